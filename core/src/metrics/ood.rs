use crate::metric::*;
pub struct OodMse;
pub struct PearsonDelta;
impl Metric for OodMse {
    fn name(&self) -> &'static str { "ood_mse" }
    fn needs(&self) -> MetricNeeds { MetricNeeds::Predictions }
    fn compute(&self, _input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> { Err(MetricError::Undefined { metric: "ood_mse", reason: "stub".into() }) }
}
impl Metric for PearsonDelta {
    fn name(&self) -> &'static str { "pearson_delta" }
    fn needs(&self) -> MetricNeeds { MetricNeeds::Predictions }
    fn compute(&self, _input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> { Err(MetricError::Undefined { metric: "pearson_delta", reason: "stub".into() }) }
}
