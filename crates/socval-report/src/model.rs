//! The report model: pure data, built once and rendered many ways (HTML,
//! XLSX, CSV, JSON). Renderers never compute figures; everything a reader
//! sees is a cell of a [`Table`] or a [`Headline`] that points at one.

use rust_decimal::Decimal;
use serde::Serialize;
use socval_core::{FinancialYear, Gbp};

/// The version of the JSON shape (see `docs/report.md`). Bumped when a
/// field is renamed or removed; new fields may appear without a bump.
pub const SCHEMA: &str = "socval.report.v1";

/// A whole report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The title, such as `Social value annual report 2019/20`.
    pub title: String,
    /// The organisation it is for, as given (`--org`), if any.
    pub org: Option<String>,
    /// The financial year reported.
    pub year: FinancialYear,
    /// The year compared with, if any.
    pub compare: Option<FinancialYear>,
    /// What produced it (`socval 0.1.0`).
    pub generated_by: String,
    /// The sections, in reading order.
    pub sections: Vec<Section>,
    /// Where figures come from; blocks cite them by id.
    pub sources: Vec<Source>,
}

/// A section of the report, such as the commitments of table 2.10.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Section {
    /// Stable id (`commitments`, `headlines`, `spend`, `quotes`, `methods`).
    pub id: String,
    /// Heading.
    pub title: String,
    /// Its content, in order.
    pub blocks: Vec<Block>,
}

/// One piece of a section.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A paragraph of text.
    Paragraph {
        /// The text (plain, no markup).
        text: String,
        /// Source ids it draws on.
        sources: Vec<String>,
    },
    /// Something the reader must not miss: missing data, a pending feature.
    Notice {
        /// The text.
        text: String,
    },
    /// Headline figures, each taken from a table row.
    Headlines {
        /// The figures.
        items: Vec<Headline>,
    },
    /// A table.
    Table(Table),
    /// A bar chart of a table's figures.
    Chart(Chart),
}

/// A headline figure: a sentence around a value that is a cell of a table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Headline {
    /// Stable id (`living_wage`, `training_weeks`, ...).
    pub id: String,
    /// The value, copied from the table cell it points at; empty when it
    /// cannot be derived (see `note`).
    pub value: Cell,
    /// What the value is (`weeks of training opportunities to be offered on contracts`).
    pub label: String,
    /// The table and row the value comes from, if any.
    pub from: Option<CellRef>,
    /// Why a value is missing, or how it was derived.
    pub note: Option<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A cell of a table: table id, row key and column key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CellRef {
    /// Table id.
    pub table: String,
    /// Row key.
    pub row: String,
    /// Column key.
    pub column: String,
}

/// A table. Its id names its sheet in the workbook and its CSV file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table {
    /// Stable id, at most 31 characters (an Excel sheet name).
    pub id: String,
    /// Caption.
    pub title: String,
    /// Columns, in order.
    pub columns: Vec<Column>,
    /// Rows, in order.
    pub rows: Vec<Row>,
    /// Notes under the table.
    pub notes: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
    /// Show at most this many rows in the HTML page (all rows are in the
    /// exports); `None` shows all.
    pub html_rows: Option<usize>,
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Machine name (CSV header).
    pub key: String,
    /// Heading for people.
    pub title: String,
    /// What its cells hold.
    pub kind: Kind,
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Text.
    Text,
    /// A number of units (FTE, weeks, tonnes) or a count, exact.
    Number,
    /// Money, exact to the penny.
    Money,
    /// A percentage (12.5 means 12.5%), to 2 decimal places.
    Percent,
}

/// A row of a table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// Stable key within the table (a measure code, `total`, a ward code).
    pub key: String,
    /// Cells, one per column.
    pub cells: Vec<Cell>,
    /// A total row (shown in bold).
    pub total: bool,
    /// In a report built from contracts: the query string selecting the
    /// records this row adds up (`measure=R09`, `contract=12`, `all=1`;
    /// see [`crate::Filter`]). The portal links the row's numbers to that
    /// list. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<String>,
    /// Per column (by key): the query selecting what that one cell adds up,
    /// where it differs from the row's (a year's spend, the purchases that
    /// are compliant). Set by [`crate::link_records`] for the portal; it
    /// takes precedence over `records` for that cell.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub cell_records: std::collections::BTreeMap<String, String>,
}

/// A cell. In JSON every cell is a string or `null`: numbers are exact
/// decimal strings (`"999162.00"`, `"38.03"`), so nothing is lost to
/// floating point; the column's `kind` says how to read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(Decimal),
    /// Money, rounded half-even to the penny, always 2 decimal places.
    Money(Decimal),
    /// A percentage to 2 decimal places.
    Percent(Decimal),
    /// Nothing (not applicable or not known).
    Empty,
}

impl Cell {
    /// Money rounded half-even to the penny (how amounts are presented).
    pub fn money(g: Gbp) -> Cell {
        let mut d = g.round_pence().amount();
        d.rescale(2);
        Cell::Money(d)
    }

    /// Optional money.
    pub fn money_opt(g: Option<Gbp>) -> Cell {
        g.map(Cell::money).unwrap_or(Cell::Empty)
    }

    /// A percentage to 2 decimal places (half-even).
    pub fn percent(p: Decimal) -> Cell {
        let mut d =
            p.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven);
        d.rescale(2);
        Cell::Percent(d)
    }

    /// Optional percentage.
    pub fn percent_opt(p: Option<Decimal>) -> Cell {
        p.map(Cell::percent).unwrap_or(Cell::Empty)
    }

    /// A number, as given (trailing zeros removed).
    pub fn number(d: Decimal) -> Cell {
        Cell::Number(d.normalize())
    }

    /// A count.
    pub fn count(n: u64) -> Cell {
        Cell::Number(Decimal::from(n))
    }

    /// Text; empty text is [`Cell::Empty`].
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    /// The exact value as it appears in CSV and JSON (`""` when empty).
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(d) | Cell::Money(d) | Cell::Percent(d) => d.to_string(),
            Cell::Empty => String::new(),
        }
    }

    /// The decimal value of a numeric cell.
    pub fn decimal(&self) -> Option<Decimal> {
        match self {
            Cell::Number(d) | Cell::Money(d) | Cell::Percent(d) => Some(*d),
            _ => None,
        }
    }
}

/// A horizontal bar chart. Its figures are those of a table (`table`), which
/// the HTML page shows beside it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// Stable id (`graph1`, ...).
    pub id: String,
    /// Title (also the SVG `<title>`).
    pub title: String,
    /// A description for screen readers (also the SVG `<desc>`), listing
    /// every bar's value.
    pub description: String,
    /// The table holding its figures.
    pub table: String,
    /// The bars' categories, top to bottom.
    pub categories: Vec<String>,
    /// One series per year (or group), each a value per category.
    pub series: Vec<Series>,
    /// What the values are.
    pub kind: Kind,
    /// Source ids.
    pub sources: Vec<String>,
}

/// One series of bars.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Legend label (a year).
    pub name: String,
    /// One value per category, exact.
    pub values: Vec<Decimal>,
}

/// Where figures come from: a file, query or set of records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Id cited by blocks (`S1`, ...).
    pub id: String,
    /// What and where, precisely enough to find the records again.
    pub text: String,
}

impl Report {
    /// Every table, in reading order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
    }

    /// Every chart, in reading order.
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Chart(c) => Some(c),
                _ => None,
            })
    }

    /// The table with this id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables().find(|t| t.id == id)
    }

    /// Every headline, in reading order.
    pub fn headlines(&self) -> impl Iterator<Item = &Headline> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Headlines { items } => Some(items.iter()),
                _ => None,
            })
            .flatten()
    }

    /// The section with this id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

impl Table {
    /// The cell at row `row` (key) and column `column` (key).
    pub fn cell(&self, row: &str, column: &str) -> Option<&Cell> {
        let c = self.columns.iter().position(|c| c.key == column)?;
        self.rows
            .iter()
            .find(|r| r.key == row)
            .and_then(|r| r.cells.get(c))
    }
}

/// A column, briefly.
pub(crate) fn col(key: &str, title: &str, kind: Kind) -> Column {
    Column {
        key: key.into(),
        title: title.into(),
        kind,
    }
}

/// A row, briefly.
pub(crate) fn row(key: impl Into<String>, cells: Vec<Cell>) -> Row {
    Row {
        key: key.into(),
        cells,
        total: false,
        records: None,
        cell_records: Default::default(),
    }
}

/// A table's total row, briefly.
pub(crate) fn total_row(cells: Vec<Cell>) -> Row {
    Row {
        total: true,
        ..row("total", cells)
    }
}
