//! Plots of a results file, drawn with plotters: each chart of
//! `citebench_core::runner::curves` as an SVG and a PNG.
//!
//! A chart shows a metric's mean over seeds as a line with markers and its
//! spread (± one standard deviation) as a shaded band, one colour per
//! series. The x axis is categorical: the swept values in sweep order,
//! evenly spaced, so a doubling sweep (2, 4, 8, ...) reads as a log axis
//! and a list of strings plots as well as numbers do.
//!
//! Text is drawn with DejaVu Sans, which the `dejavu` crate embeds in the
//! binary, through plotters' pure-Rust `ab_glyph` font backend: plotting
//! needs no system font library and no font file.

use anyhow::{Context, Result, anyhow};
use citebench_core::runner::curves::{Chart, SeriesPoint, charts};
use citebench_core::runner::results::ResultsTable;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const SIZE: (u32, u32) = (900, 560);
const FONT: &str = "sans-serif";

/// Writes every chart of `table` into `dir` as `METRIC-vs-AXIS.svg` and
/// `.png`; returns the files written.
pub fn write_plots(table: &ResultsTable, dir: &Path) -> Result<Vec<PathBuf>> {
    plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| anyhow!("the embedded DejaVu Sans font cannot be read"))?;
    let mut written = Vec::new();
    for chart in charts(table) {
        let stem: String = format!("{}-vs-{}", chart.metric, chart.axis)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
            .collect();
        let svg = dir.join(format!("{stem}.svg"));
        draw(SVGBackend::new(&svg, SIZE).into_drawing_area(), &chart).with_context(|| format!("cannot draw {}", svg.display()))?;
        let png = dir.join(format!("{stem}.png"));
        draw(BitMapBackend::new(&png, SIZE).into_drawing_area(), &chart).with_context(|| format!("cannot draw {}", png.display()))?;
        written.extend([svg, png]);
    }
    Ok(written)
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (low, high) = y_range(chart);
    let n = chart.x.len() as i32;
    let mut plot = ChartBuilder::on(&root)
        .caption(format!("{} against {}", chart.metric, chart.axis), (FONT, 24))
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d((0..n - 1).into_segmented(), low..high)?;
    let label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => chart.x.get(*i as usize).cloned().unwrap_or_default(),
        SegmentValue::Last => String::new(),
    };
    plot.configure_mesh()
        .disable_x_mesh()
        .light_line_style(BLACK.mix(0.03))
        .x_labels(chart.x.len())
        .x_label_formatter(&label)
        .x_desc(chart.axis.as_str())
        .y_desc(format!("{} (mean ± sd over seeds)", chart.metric))
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()?;
    let at = |p: &SeriesPoint| SegmentValue::CenterOf(p.x as i32);
    for (i, series) in chart.series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        if series.points.iter().any(|p| p.std > 0.0) {
            let upper = series.points.iter().map(|p| (at(p), p.mean + p.std));
            let lower = series.points.iter().rev().map(|p| (at(p), p.mean - p.std));
            plot.draw_series(std::iter::once(Polygon::new(upper.chain(lower).collect::<Vec<_>>(), color.mix(0.15).filled())))?;
        }
        plot.draw_series(LineSeries::new(series.points.iter().map(|p| (at(p), p.mean)), color.stroke_width(2)))?
            .label(series.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        plot.draw_series(series.points.iter().map(|p| Circle::new((at(p), p.mean), 4, color.filled())))?;
    }
    plot.configure_series_labels()
        .position(legend_corner(chart, low, high))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 15))
        .draw()?;
    root.present()
}

/// The y range: every mean ± sd, with a margin; a flat chart gets some room.
fn y_range(chart: &Chart) -> (f64, f64) {
    let points = chart.series.iter().flat_map(|s| &s.points);
    let low = points.clone().map(|p| p.mean - p.std).fold(f64::INFINITY, f64::min);
    let high = points.map(|p| p.mean + p.std).fold(f64::NEG_INFINITY, f64::max);
    let margin = if high > low { (high - low) * 0.08 } else { low.abs().max(1.0) * 0.1 };
    (low - margin, high + margin)
}

/// The legend goes in the upper corner when the last values sit low, in
/// the lower one otherwise, so it rarely hides the lines' ends.
fn legend_corner(chart: &Chart, low: f64, high: f64) -> SeriesLabelPosition {
    let last = chart.series.iter().filter_map(|s| s.points.last()).map(|p| p.mean);
    let (sum, count) = last.fold((0.0, 0), |(s, c), m| (s + m, c + 1));
    if count > 0 && sum / f64::from(count) > (low + high) / 2.0 { SeriesLabelPosition::LowerRight } else { SeriesLabelPosition::UpperRight }
}
