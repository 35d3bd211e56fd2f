namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A file declares the contract or backfill phase and the run does not allow it.</summary>
public sealed class PhaseNotAllowed() : FolderRule("phase-not-allowed", StatementClass.Contract,
    "A contract or backfill file in a run that does not allow its phase",
    "A contract step breaks the previous app image and a backfill belongs in its own job (seed 000); a deploy is expand-only, so the file must wait for the run that allows its phase.",
    "Run the file when its phase is due: the contract step after full cutover, the backfill as its own job, with --allow contract|backfill (-Allow Contract,Backfill; SCHEMAMIGRATE_ALLOW for the job). Until then keep it out of the folder, or stop the deploy before it with --to.");
