//! `citebench plugins`: what is in the plugin directory.

use crate::report;
use anyhow::Result;
use citebench_core::abi::host::PluginCatalog;
use std::path::Path;

pub fn execute(plugin_dir: Option<&Path>) -> Result<()> {
    let catalog = PluginCatalog::scan(&super::plugin_dir(plugin_dir, None))?;
    report::print_plugins(&catalog);
    Ok(())
}
