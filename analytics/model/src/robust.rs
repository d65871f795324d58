//! Robust statistics shared by the interpretation's anomaly test and the engine's
//! forecast fit.

/// The robust standard deviation of a normal sample from its median absolute deviation.
pub const MAD_TO_SD: f64 = 1.482_6;
