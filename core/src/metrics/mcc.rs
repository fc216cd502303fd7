use crate::metric::*;
pub struct Mcc;
impl Metric for Mcc {
    fn name(&self) -> &'static str { "mcc" }
    fn needs(&self) -> MetricNeeds { MetricNeeds::Latents }
    fn compute(&self, _input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> { Err(MetricError::Undefined { metric: "mcc", reason: "stub".into() }) }
}
