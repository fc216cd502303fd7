//! The leaky ReLU that both TDRL's transition and its mixing use.

/// Slope of the negative part; 0.2 as in TDRL. A positive slope keeps the
/// activation bijective, which the mixing's invertibility relies on.
pub(crate) const SLOPE: f32 = 0.2;

pub(crate) fn leaky_relu(x: f32) -> f32 {
    if x >= 0.0 { x } else { SLOPE * x }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_identity_above_zero_and_scaled_below() {
        assert_eq!(leaky_relu(3.0), 3.0);
        assert_eq!(leaky_relu(-5.0), -1.0);
        assert_eq!(leaky_relu(0.0), 0.0);
    }
}
