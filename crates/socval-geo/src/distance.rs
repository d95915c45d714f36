//! Points on the Earth, great-circle distances, and British National Grid
//! eastings/northings converted to latitude/longitude.

// Distances and coordinates are measurements, not money: floating point is
// the right tool here (the workspace warns on float arithmetic to keep it
// out of money code).
#![allow(clippy::float_arithmetic)]

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A point as WGS84 latitude and longitude in degrees (as in ONS postcode
/// files).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LatLong {
    /// Degrees north.
    pub lat: f64,
    /// Degrees east (negative west of Greenwich).
    pub long: f64,
}

/// Mean Earth radius (IUGG), kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Kilometres in a statute mile.
const KM_PER_MILE: f64 = 1.609_344;

impl LatLong {
    /// A point, if the numbers are a latitude and a longitude.
    pub fn new(lat: f64, long: f64) -> Option<LatLong> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long))
            .then_some(LatLong { lat, long })
    }

    /// Great-circle (haversine) distance in kilometres.
    pub fn distance_km(&self, other: &LatLong) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.long - self.long).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
    }

    /// Converts a British National Grid (OSGB36) easting and northing in
    /// metres to WGS84 latitude/longitude: inverse transverse Mercator on
    /// the Airy 1830 ellipsoid, then the OS Helmert transformation. The
    /// Helmert step is good to about 5 metres, plenty for supplier
    /// locations. Not for Northern Ireland (Irish Grid).
    pub fn from_osgb(easting: f64, northing: f64) -> LatLong {
        let (lat, long) = osgb_inverse(easting, northing);
        let (x, y, z) = to_cartesian(lat, long, AIRY_A, AIRY_B);
        // OSGB36 -> WGS84 (Ordnance Survey, "A guide to coordinate systems").
        let (tx, ty, tz) = (446.448, -125.157, 542.060);
        let s = -20.4894e-6;
        let arc = |sec: f64| (sec / 3600.0).to_radians();
        let (rx, ry, rz) = (arc(0.1502), arc(0.2470), arc(0.8421));
        let x2 = tx + (1.0 + s) * x - rz * y + ry * z;
        let y2 = ty + rz * x + (1.0 + s) * y - rx * z;
        let z2 = tz - ry * x + rx * y + (1.0 + s) * z;
        let (lat, long) = from_cartesian(x2, y2, z2, 6_378_137.0, 6_356_752.314_2);
        LatLong {
            lat: lat.to_degrees(),
            long: long.to_degrees(),
        }
    }
}

impl fmt::Display for LatLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6},{:.6}", self.lat, self.long)
    }
}

impl FromStr for LatLong {
    type Err = String;
    /// Parses `53.43,-1.36` (latitude, longitude).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s
            .split_once(',')
            .ok_or_else(|| format!("{s:?} is not `latitude,longitude`"))?;
        let lat: f64 = a
            .trim()
            .parse()
            .map_err(|_| format!("{a:?} is not a latitude"))?;
        let long: f64 = b
            .trim()
            .parse()
            .map_err(|_| format!("{b:?} is not a longitude"))?;
        LatLong::new(lat, long).ok_or_else(|| format!("{s:?} is out of range"))
    }
}

/// A distance, given in kilometres or miles.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Distance {
    km: f64,
}

impl Distance {
    /// A distance in kilometres.
    pub fn km(km: f64) -> Distance {
        Distance { km }
    }
    /// A distance in statute miles.
    pub fn miles(miles: f64) -> Distance {
        Distance {
            km: miles * KM_PER_MILE,
        }
    }
    /// In kilometres.
    pub fn as_km(&self) -> f64 {
        self.km
    }
}

impl FromStr for Distance {
    type Err = String;
    /// Parses `20km`, `20 km`, `12.5mi`, `10 miles`, `10mile`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 20km or 10mi"))?;
        if !n.is_finite() || n < 0.0 {
            return Err(format!("{s:?}: a distance must be zero or more"));
        }
        match unit.trim() {
            "km" | "kms" | "kilometre" | "kilometres" | "kilometer" | "kilometers" => {
                Ok(Distance::km(n))
            }
            "mi" | "mile" | "miles" => Ok(Distance::miles(n)),
            "" => Err(format!("{s:?}: say the unit, e.g. {n}km or {n}mi")),
            u => Err(format!("{s:?}: unknown unit {u:?}; use km or mi")),
        }
    }
}

/// Degrees to whole micro-degrees, as stored in the index.
pub(crate) fn to_micro(deg: f64) -> i32 {
    (deg * 1e6).round() as i32
}

/// Whole micro-degrees back to degrees.
pub(crate) fn from_micro(micro: i32) -> f64 {
    f64::from(micro) / 1e6
}

const AIRY_A: f64 = 6_377_563.396;
const AIRY_B: f64 = 6_356_256.909;

fn osgb_inverse(e: f64, n: f64) -> (f64, f64) {
    let (a, b) = (AIRY_A, AIRY_B);
    let f0 = 0.999_601_271_7;
    let lat0 = 49f64.to_radians();
    let lon0 = (-2f64).to_radians();
    let (n0, e0) = (-100_000.0, 400_000.0);
    let e2 = 1.0 - (b * b) / (a * a);
    let nn = (a - b) / (a + b);
    let (n2, n3) = (nn * nn, nn * nn * nn);
    let meridional = |lat: f64| {
        let (d, s) = (lat - lat0, lat + lat0);
        b * f0
            * ((1.0 + nn + 1.25 * n2 + 1.25 * n3) * d
                - (3.0 * nn + 3.0 * n2 + 21.0 / 8.0 * n3) * d.sin() * s.cos()
                + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * d).sin() * (2.0 * s).cos()
                - 35.0 / 24.0 * n3 * (3.0 * d).sin() * (3.0 * s).cos())
    };
    let mut lat = lat0;
    let mut m = 0.0;
    for _ in 0..20 {
        lat += (n - n0 - m) / (a * f0);
        m = meridional(lat);
        if (n - n0 - m).abs() < 1e-5 {
            break;
        }
    }
    let sin2 = lat.sin() * lat.sin();
    let nu = a * f0 / (1.0 - e2 * sin2).sqrt();
    let rho = a * f0 * (1.0 - e2) / (1.0 - e2 * sin2).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let t = lat.tan();
    let (t2, t4, t6) = (t * t, t.powi(4), t.powi(6));
    let sec = 1.0 / lat.cos();
    let vii = t / (2.0 * rho * nu);
    let viii = t / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = t / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);
    let de = e - e0;
    let lat = lat - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lon = lon0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    (lat, lon)
}

fn to_cartesian(lat: f64, lon: f64, a: f64, b: f64) -> (f64, f64, f64) {
    let e2 = 1.0 - (b * b) / (a * a);
    let nu = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    (
        nu * lat.cos() * lon.cos(),
        nu * lat.cos() * lon.sin(),
        (1.0 - e2) * nu * lat.sin(),
    )
}

fn from_cartesian(x: f64, y: f64, z: f64, a: f64, b: f64) -> (f64, f64) {
    let e2 = 1.0 - (b * b) / (a * a);
    let p = (x * x + y * y).sqrt();
    let mut lat = z.atan2(p * (1.0 - e2));
    for _ in 0..10 {
        let nu = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        lat = (z + e2 * nu * lat.sin()).atan2(p);
    }
    (lat, y.atan2(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distances() {
        // (from, to, km, tolerance)
        let town_hall = LatLong {
            lat: 53.430_17,
            long: -1.357_86,
        };
        let cases = [
            (town_hall, town_hall, 0.0, 1e-9),
            // One degree of latitude is about 111.2 km.
            (
                LatLong {
                    lat: 53.0,
                    long: -1.0,
                },
                LatLong {
                    lat: 54.0,
                    long: -1.0,
                },
                111.195,
                0.01,
            ),
            // London (51.5074,-0.1278) to Sheffield (53.3811,-1.4701): about 228 km.
            (
                LatLong {
                    lat: 51.5074,
                    long: -0.1278,
                },
                LatLong {
                    lat: 53.3811,
                    long: -1.4701,
                },
                228.0,
                2.0,
            ),
        ];
        for (a, b, km, tol) in cases {
            let d = a.distance_km(&b);
            assert!((d - km).abs() <= tol, "{a} -> {b}: {d} km, expected {km}");
            assert!((d - b.distance_km(&a)).abs() < 1e-9);
        }
    }

    #[test]
    fn osgb_matches_postcode_file() {
        // Eastings/northings and lat/long from ../shared/data/geo/postcodes-s-dn.csv.
        let cases = [
            (457_425.0, 403_250.0, 53.522_789, -1.135_307),
            // Ordnance Survey's worked example point (OSGB36 lat/long there; WGS84 differs by ~100 m).
            (651_409.903, 313_177.270, 52.658, 1.716),
        ];
        for (e, n, lat, long) in cases.iter().take(1) {
            let p = LatLong::from_osgb(*e, *n);
            assert!(
                (p.lat - lat).abs() < 1e-4 && (p.long - long).abs() < 1e-4,
                "{e},{n} -> {p}"
            );
        }
        let p = LatLong::from_osgb(cases[1].0, cases[1].1);
        assert!(
            (p.lat - cases[1].2).abs() < 0.01 && (p.long - cases[1].3).abs() < 0.01,
            "{p}"
        );
    }

    #[test]
    fn parses_distances() {
        let cases = [
            ("20km", Some(20.0)),
            ("20 km", Some(20.0)),
            ("10mi", Some(16.093_44)),
            ("10 miles", Some(16.093_44)),
            ("5", None),
            ("-3km", None),
            ("3 furlongs", None),
        ];
        for (s, want) in cases {
            let got = s.parse::<Distance>().ok().map(|d| d.as_km());
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{s}"),
                (g, w) => assert_eq!(g, w, "{s}"),
            }
        }
    }
}
