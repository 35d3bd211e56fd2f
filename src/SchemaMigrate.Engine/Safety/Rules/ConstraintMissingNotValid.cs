namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A CHECK added to an existing table without NOT VALID, or a CHECK or foreign key added NOT VALID and validated in the same transaction.</summary>
public sealed class ConstraintMissingNotValid() : StatementRule("constraint-missing-not-valid", StatementClass.Blocked,
    "Adding a CHECK constraint that is validated at once",
    "ACCESS EXCLUSIVE on the table while every row is checked: blocks every read and write",
    "Without NOT VALID the whole table is scanned under the strongest lock. Validating in the same transaction that added the constraint keeps that lock for the scan too.",
    "ADD CONSTRAINT ... CHECK (...) NOT VALID (brief lock; new writes are checked), then VALIDATE CONSTRAINT in a later file, which takes only SHARE UPDATE EXCLUSIVE.")
{
    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (TableConstraint.Kind(action) == "CHECK" && !TableConstraint.NotValid(action))
                context.Report(this, action, 0, $"CHECK on {context.Shape.Name} scans every row under ACCESS EXCLUSIVE");
            else if (action.StartsWith("VALIDATE", "CONSTRAINT") && action.Name(2) is { } name && !context.File.NoTransaction
                     && context.Facts.NotValidConstraint(name.Name) is { } added && added.File == context.File.Id)
                context.Report(this, action, 0, $"constraint {name} is validated in the transaction that added it, so the strong lock is held for the scan");
        }
    }
}
