//! The Parquet schema of an import, documented in `docs/spend.md`.

use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Schema, SchemaRef};

/// Version of the payments schema, stored as `socval.schema`.
pub const PAYMENTS_SCHEMA: &str = "socval.payments/1";

/// Column names of an import file, in order.
pub mod col {
    /// `Date32`: the payment date.
    pub const DATE: &str = "date";
    /// Dictionary string: `2019/20`.
    pub const FINANCIAL_YEAR: &str = "financial_year";
    /// `Int64`: the amount in pence (negative for credit notes).
    pub const AMOUNT_PENCE: &str = "amount_pence";
    /// Dictionary string: the supplier name as published (trimmed).
    pub const SUPPLIER_NAME: &str = "supplier_name";
    /// Boolean: the name is a redaction.
    pub const REDACTED: &str = "redacted";
    /// Dictionary string, nullable.
    pub const SUPPLIER_ID: &str = "supplier_id";
    /// Dictionary string, nullable.
    pub const COMPANY_NUMBER: &str = "company_number";
    /// Dictionary string, nullable.
    pub const CHARITY_NUMBER: &str = "charity_number";
    /// Dictionary string, nullable.
    pub const VAT_NUMBER: &str = "vat_number";
    /// Dictionary string, nullable.
    pub const SERVICE: &str = "service";
    /// `Int32`: the line (or spreadsheet row) in the source file.
    pub const SOURCE_LINE: &str = "source_line";
}

fn dict() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The Arrow schema of an import file.
pub fn payments_schema() -> SchemaRef {
    static S: OnceLock<SchemaRef> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(Schema::new(vec![
            Field::new(col::DATE, DataType::Date32, false),
            Field::new(col::FINANCIAL_YEAR, dict(), false),
            Field::new(col::AMOUNT_PENCE, DataType::Int64, false),
            Field::new(col::SUPPLIER_NAME, dict(), false),
            Field::new(col::REDACTED, DataType::Boolean, false),
            Field::new(col::SUPPLIER_ID, dict(), true),
            Field::new(col::COMPANY_NUMBER, dict(), true),
            Field::new(col::CHARITY_NUMBER, dict(), true),
            Field::new(col::VAT_NUMBER, dict(), true),
            Field::new(col::SERVICE, dict(), true),
            Field::new(col::SOURCE_LINE, DataType::Int32, false),
        ]))
    })
    .clone()
}
