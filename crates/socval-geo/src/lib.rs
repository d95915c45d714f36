//! socval-geo: UK postcodes, the ONS postcode directory, deprivation and
//! "local" for socval.
//!
//! - [`Postcode`]: parse any spelling (`s602th`) to the canonical form
//!   (`S60 2TH`), with the special cases ([`Special`]: BFPO, BX, GIR 0AA,
//!   non-geographic districts, overseas territories).
//! - [`IndexBuilder`] reads ONSPD/NSPL (header aliases by edition, plain or
//!   gzipped) and Code-Point Open files and writes a compact binary
//!   [`PostcodeIndex`], which opens in milliseconds and answers
//!   [`PostcodeIndex::lookup`] with a [`PostcodeRecord`] (LAD, ward, LSOA,
//!   coordinates, terminated).
//! - [`Deprivation`]: the English IMD by LSOA, with its vintage, bands
//!   (most deprived 1%, 10%, 20%), and why a postcode has no figure
//!   ([`NoFigure`]).
//! - [`LocalDefinition`]: own authority (with successor LAD codes), region
//!   ([`Region::preset`] `scr-ca`, `scr-lep`), radius; [`LocalDefinition::classify`]
//!   gives a [`Classification`]: [`socval_core::LocationClass`] local/region/outside/unknown with
//!   a [`Reason`], ward, LSOA, deprivation and distance.
//! - [`GeoData`] opens all of it from a data directory; [`import`] writes it.
//! - [`Classifier`] classifies many postcodes against one definition (a
//!   supplier file): the same answers, with a hash table over the keys and
//!   tables by area code built once.
//!
//! ```no_run
//! use socval_geo::GeoData;
//! let geo = GeoData::open("socval-data".as_ref())?;
//! let def = geo.default_definition(); // Rotherham, scr-ca, from S60 2TH
//! let c = geo.classify(&def, "s60 2th");
//! println!("{} {:?} {:?}", c.class, c.record.and_then(|r| r.ward), c.distance_km);
//! # Ok::<(), socval_geo::Error>(())
//! ```
#![deny(missing_docs)]

mod bulk;
mod data;
mod deprivation;
mod distance;
mod error;
mod import;
mod index;
mod local;
mod names;
mod postcode;

pub use bulk::{Classifier, Named};
pub use data::{GeoData, GeoPaths, ImportOptions, ImportSummary, ImportedFile, WrapReader, import};
pub use deprivation::{Deprivation, LsoaDeprivation, LsoaVintage, Match, NoFigure};
pub use distance::{Distance, LatLong};
pub use error::{Error, Result};
pub use import::{
    CodePointLayout, FileKind, IndexBuilder, POSTCODE_COLUMNS, detect_kind, maybe_gz, open_input,
};
pub use index::{IndexInfo, PostcodeIndex, PostcodeRecord, SourceInfo};
pub use local::{
    Classification, LocalDefinition, ROTHERHAM, ROTHERHAM_TOWN_HALL, Reason, Region, SUCCESSORS,
    is_lad_code, lad_aliases,
};
pub use names::Names;
pub use postcode::{InvalidPostcode, Postcode, Special};
