"""Bringing existing records in: spreadsheets (.xlsx, .csv) → the application's own commands.

A file is read into typed rows (`read_file`), each row is turned into the commands of
`HosoApplication` (register, appoint, end, nominate, correct) and every command runs, validated
by the domain exactly as through the API, in a `StagingApplication`: its events are held in
memory, never saved one by one. Then either nothing is saved (a dry run, or any row refused:
all or nothing per file, with the same row-level report) or all of them are saved in one
transaction. Re-importing a file records nothing: cadres are matched by ID number, else by name
and birth date, and a row equal to what the record holds is skipped; a changed row becomes the
matching correction (or a new event), never a duplicate cadre. Every event an import creates is
recorded by "<user> (import <first 8 hex of the file's SHA-256>)", and each real run is kept in
`import_runs` (who, when, file name, full digest, positions written).

The package, by what its parts are: `cells` (the binding columns, one cell's readers, the
row types and the import report), `workbook` (reading .xlsx/.csv within the package bounds,
and the template), `staging` (the domain's commands held in memory), `runs` (the
`import_runs` table) and `importer` (rows → commands, matching, saving). The names below are
its public interface, as `infra.importing` always offered them.
"""

from infra.importing.cells import (
    CADRE_COLUMNS,
    CADRE_REQUIRED,
    CADRE_TEMPLATE_KEYS,
    ERROR,
    FIRST_DECISION_NOT_GIVEN,
    HISTORY_COLUMNS,
    HISTORY_REQUIRED,
    MAX_FILE_BYTES,
    NOMINATION,
    SHEET_CADRES,
    SHEET_GUIDE,
    SHEET_HISTORY,
    SHEETS,
    SIGNER_NOT_GIVEN,
    WARNING,
    XLSX_MEDIA_TYPE,
    Action,
    CadreCells,
    CellError,
    ColumnSpec,
    DecisionCells,
    HistoryCells,
    ImportRefused,
    ImportReport,
    ParsedFile,
    PostCells,
    Problem,
    RowRef,
    cell_action,
    cell_code,
    cell_date,
    cell_gender,
    cell_national_id,
    cell_text,
    code_key,
    header_key,
)
from infra.importing.importer import (
    Importer,
    describe,
    import_file,
)
from infra.importing.runs import (
    import_history,
    import_runs,
    runs_metadata,
)
from infra.importing.staging import (
    StagingApplication,
)
from infra.importing.workbook import (
    read_file,
    template_workbook,
)

__all__ = [
    "ERROR",
    "WARNING",
    "Action",
    "CADRE_COLUMNS",
    "CADRE_REQUIRED",
    "CADRE_TEMPLATE_KEYS",
    "CadreCells",
    "CellError",
    "ColumnSpec",
    "DecisionCells",
    "FIRST_DECISION_NOT_GIVEN",
    "HISTORY_COLUMNS",
    "HISTORY_REQUIRED",
    "HistoryCells",
    "ImportRefused",
    "ImportReport",
    "Importer",
    "MAX_FILE_BYTES",
    "NOMINATION",
    "ParsedFile",
    "PostCells",
    "Problem",
    "RowRef",
    "SHEETS",
    "SHEET_CADRES",
    "SHEET_GUIDE",
    "SHEET_HISTORY",
    "SIGNER_NOT_GIVEN",
    "StagingApplication",
    "XLSX_MEDIA_TYPE",
    "cell_action",
    "cell_code",
    "cell_date",
    "cell_gender",
    "cell_national_id",
    "cell_text",
    "code_key",
    "describe",
    "header_key",
    "import_file",
    "import_history",
    "import_runs",
    "read_file",
    "runs_metadata",
    "template_workbook",
]
