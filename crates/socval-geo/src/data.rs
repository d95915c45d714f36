//! Everything socval-geo keeps in the data directory, opened together, and
//! the import that writes it.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::deprivation::{Deprivation, LsoaVintage};
use crate::distance::LatLong;
use crate::error::{Error, Result};
use crate::import::{CodePointLayout, FileKind, IndexBuilder, detect_kind, maybe_gz};
use crate::index::{IndexInfo, PostcodeIndex, write_atomic};
use crate::local::{Classification, LocalDefinition, ROTHERHAM_TOWN_HALL};
use crate::names::Names;
use crate::postcode::Postcode;

/// Where the files live: `<data-dir>/geo/`.
#[derive(Clone, Debug)]
pub struct GeoPaths {
    dir: PathBuf,
}

impl GeoPaths {
    /// The paths under a data directory.
    pub fn new(data_dir: &Path) -> GeoPaths {
        GeoPaths {
            dir: data_dir.join("geo"),
        }
    }
    /// `<data-dir>/geo/postcodes.idx`: the postcode index.
    pub fn index(&self) -> PathBuf {
        self.dir.join("postcodes.idx")
    }
    /// `<data-dir>/geo/deprivation.json`: the imported deprivation file.
    pub fn deprivation(&self) -> PathBuf {
        self.dir.join("deprivation.json")
    }
    /// `<data-dir>/geo/names.json`: area names.
    pub fn names(&self) -> PathBuf {
        self.dir.join("names.json")
    }
}

/// The postcode index with the deprivation figures and area names imported
/// beside it.
#[derive(Debug)]
pub struct GeoData {
    /// The postcode directory.
    pub index: PostcodeIndex,
    /// Deprivation figures, if imported.
    pub deprivation: Option<Deprivation>,
    /// Area names (empty if none imported).
    pub names: Names,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| Error::Format {
                path: path.to_owned(),
                reason: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::Format {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    write_atomic(path, &bytes)
}

impl GeoData {
    /// Opens what was imported under `data_dir`. The postcode index is
    /// required ([`Error::NoIndex`] otherwise); deprivation and names are
    /// optional.
    pub fn open(data_dir: &Path) -> Result<GeoData> {
        let paths = GeoPaths::new(data_dir);
        let index = PostcodeIndex::open(&paths.index())?;
        let deprivation = read_json(&paths.deprivation())?;
        let names = read_json(&paths.names())?.unwrap_or_default();
        Ok(GeoData {
            index,
            deprivation,
            names,
        })
    }

    /// Classifies one postcode (any spelling) against a definition.
    pub fn classify(&self, def: &LocalDefinition, raw: &str) -> Classification<'_> {
        def.classify(&self.index, self.deprivation.as_ref(), raw)
    }

    /// Where `def`'s distances are measured from: `from` (a postcode or
    /// `lat,long`), or when none is given the authority's own default:
    /// Rotherham Town Hall for Rotherham, and nothing for another authority
    /// (measuring its suppliers from Rotherham would mislead). A default
    /// the index cannot place (one built without coordinates) leaves
    /// distances empty.
    ///
    /// Returns an error if `from` is given and cannot be placed.
    pub fn origin(&self, def: &LocalDefinition, from: Option<&str>) -> Result<Option<LatLong>> {
        match from {
            Some(f) => self.point(f).map(Some),
            None if def.lads == [crate::local::ROTHERHAM] => {
                Ok(self.point(ROTHERHAM_TOWN_HALL).ok())
            }
            None => Ok(None),
        }
    }

    /// A point from `lat,long` or a postcode with coordinates in the index.
    ///
    /// Returns an error saying why when it is neither.
    pub fn point(&self, s: &str) -> Result<LatLong> {
        if s.contains(',') {
            return s.parse().map_err(Error::Definition);
        }
        let pc = Postcode::parse(s).map_err(|e| {
            Error::Definition(format!("{s:?} is neither `lat,long` nor a postcode: {e}"))
        })?;
        let rec = self
            .index
            .lookup(&pc)
            .ok_or_else(|| Error::Definition(format!("{pc} is not in the postcode index")))?;
        rec.coords.ok_or_else(|| {
            Error::Definition(format!("{pc} has no coordinates in the postcode index"))
        })
    }

    /// The default definition: Rotherham, region `scr-ca`, distances from
    /// Rotherham town hall (S60 2TH) when the index has its coordinates.
    pub fn default_definition(&self) -> LocalDefinition {
        LocalDefinition::rotherham(self.point(ROTHERHAM_TOWN_HALL).ok())
    }
}

/// Sees each opened file before decompression (to show progress) and
/// returns the reader to use.
pub type WrapReader<'a> = &'a mut dyn FnMut(&Path, Box<dyn Read>) -> Box<dyn Read>;

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Treat every file as this kind instead of detecting it.
    pub kind: Option<FileKind>,
    /// Merge postcode files into the existing index (which then takes
    /// precedence, as the earliest source) instead of replacing it.
    pub merge: bool,
    /// The LSOA vintage of a deprivation file, if its header does not say.
    pub vintage: Option<LsoaVintage>,
}

/// What an import did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ImportSummary {
    /// Each file, its kind and the data rows read.
    pub files: Vec<ImportedFile>,
    /// The new postcode index, if postcode files were imported.
    pub index: Option<IndexInfo>,
    /// LSOAs in the deprivation file, if one was imported.
    pub deprivation_lsoas: Option<u32>,
    /// Vintage of the deprivation file, if one was imported.
    pub deprivation_vintage: Option<LsoaVintage>,
    /// Area names held after the import, if a names file was imported.
    pub names: Option<usize>,
}

/// One imported file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ImportedFile {
    /// As given.
    pub path: PathBuf,
    /// Detected or given kind.
    pub kind: &'static str,
    /// Data rows read.
    pub rows: u64,
}

/// Opens an input file, decompressing `.gz`, through `wrap`.
fn open(f: &Path, wrap: WrapReader<'_>) -> Result<Box<dyn std::io::BufRead>> {
    let file = std::fs::File::open(f).map_err(|e| Error::io(f, e))?;
    maybe_gz(f, wrap(f, Box::new(file)))
}

/// The Code-Point Open column layout: from a headers file given with the
/// data (listed in `summary`), else from one beside the first Code-Point
/// file, as in the download, else the default layout.
fn codepoint_layout(
    files: &[PathBuf],
    kinds: &[FileKind],
    wrap: WrapReader<'_>,
    summary: &mut ImportSummary,
) -> Result<CodePointLayout> {
    let mut layout = None;
    for (f, k) in files.iter().zip(kinds) {
        if *k == FileKind::CodePointHeaders {
            layout = Some(CodePointLayout::from_headers(f, open(f, wrap)?)?);
            summary.files.push(ImportedFile {
                path: f.clone(),
                kind: k.name(),
                rows: 0,
            });
        }
    }
    if let Some(layout) = layout {
        return Ok(layout);
    }
    let first_data = files
        .iter()
        .zip(kinds)
        .find(|(_, k)| **k == FileKind::CodePoint);
    match first_data.and_then(|(f, _)| headers_beside(f)) {
        Some(h) => CodePointLayout::from_headers(&h, open(&h, wrap)?),
        None => Ok(CodePointLayout::default()),
    }
}

/// The first `*column_headers*` / `*column-headers*` file in the folder of
/// `f`.
fn headers_beside(f: &Path) -> Option<PathBuf> {
    let dir = f.parent().unwrap_or(Path::new("."));
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy().to_ascii_lowercase();
                n.contains("column_headers") || n.contains("column-headers")
            })
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Imports files into `data_dir`: postcode files (ONSPD, NSPL, Code-Point
/// Open) into a new index, a deprivation file, an LSOA best-fit lookup,
/// names. All files are read before anything is written, and each output
/// is replaced atomically, so a bad file leaves the previous data in place.
///
/// `wrap` sees each opened file before decompression (to show progress).
pub fn import(
    data_dir: &Path,
    files: &[PathBuf],
    opts: &ImportOptions,
    wrap: WrapReader<'_>,
) -> Result<ImportSummary> {
    let paths = GeoPaths::new(data_dir);
    let mut kinds = Vec::new();
    for f in files {
        let kind = match opts.kind {
            Some(k) => k,
            None => detect_kind(f, &mut crate::import::open_input(f)?)?,
        };
        kinds.push(kind);
    }
    let mut summary = ImportSummary::default();
    let layout = codepoint_layout(files, &kinds, wrap, &mut summary)?;
    let mut builder: Option<IndexBuilder> = None;
    let mut deprivation: Option<Deprivation> = None;
    let mut names: Option<Names> = None;
    let mut lookups = Vec::new();
    for (f, k) in files.iter().zip(&kinds) {
        let rows = match k {
            FileKind::CodePointHeaders => continue,
            FileKind::Ons | FileKind::CodePoint => {
                let b = builder.get_or_insert_with(IndexBuilder::new);
                if opts.merge && b.is_empty_of_sources() {
                    match PostcodeIndex::open(&paths.index()) {
                        Ok(existing) => b.add_index(&existing),
                        Err(Error::NoIndex { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                if *k == FileKind::Ons {
                    b.add_ons(f, open(f, wrap)?)?
                } else {
                    b.add_codepoint(f, open(f, wrap)?, &layout)?
                }
            }
            FileKind::Imd => {
                let d = Deprivation::read_imd(f, open(f, wrap)?, opts.vintage)?;
                let n = u64::from(d.lsoa_count());
                deprivation = Some(d);
                n
            }
            FileKind::LsoaLookup => {
                lookups.push(f.clone());
                continue;
            }
            FileKind::Names => {
                let n = names.get_or_insert(read_json(&paths.names())?.unwrap_or_default());
                n.read(f, open(f, wrap)?)?
            }
        };
        summary.files.push(ImportedFile {
            path: f.clone(),
            kind: k.name(),
            rows,
        });
    }
    if !lookups.is_empty() {
        let d = match deprivation.take() {
            Some(d) => d,
            None => read_json(&paths.deprivation())?.ok_or_else(|| {
                Error::Definition("an LSOA lookup applies to a deprivation file: import the IMD file first, or with it".into())
            })?,
        };
        let mut d = d;
        for f in &lookups {
            let rows = d.read_best_fit(f, open(f, wrap)?)?;
            summary.files.push(ImportedFile {
                path: f.clone(),
                kind: FileKind::LsoaLookup.name(),
                rows,
            });
        }
        deprivation = Some(d);
    }
    // Everything was read: now write.
    if let Some(b) = builder {
        summary.index = Some(b.write(&paths.index())?);
    }
    if let Some(d) = &deprivation {
        write_json(&paths.deprivation(), d)?;
        summary.deprivation_lsoas = Some(d.lsoa_count());
        summary.deprivation_vintage = Some(d.vintage);
    }
    if let Some(n) = &names {
        write_json(&paths.names(), n)?;
        summary.names = Some(n.len());
    }
    Ok(summary)
}
