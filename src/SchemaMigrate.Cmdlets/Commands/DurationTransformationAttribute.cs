using System.Management.Automation;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets;

/// <summary>[TimeSpan] parameters that also take 5s, 500ms, 2min or a number of seconds (see DurationArgument).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            return DurationArgument.Parse(inputData is PSObject wrapped ? wrapped.BaseObject : inputData);
        }
        catch (MigrationException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message);
        }
    }
}
