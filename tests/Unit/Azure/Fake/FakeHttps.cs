using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>
/// The HTTPS the local fakes (of Azure, of the deployed API) share: Kestrel on 127.0.0.1 with a certificate made at
/// test start for 127.0.0.1 and localhost, and the client side that trusts exactly it (and still checks the host
/// name), nothing else.
/// </summary>
public static class FakeHttps
{
    private static readonly Lazy<X509Certificate2> Certificate = new(Create);

    /// <summary>Starts a server on a free port of 127.0.0.1 whose routes <paramref name="map"/> sets up.</summary>
    public static async Task<(WebApplication App, Uri Endpoint)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(Certificate.Value)));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    /// <summary>In PEM, for a process that trusts it through SSL_CERT_FILE (FakeAzureServer).</summary>
    public static string Pem => Certificate.Value.ExportCertificatePem();

    public static SslClientAuthenticationOptions ClientOptions() => new()
    {
        CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            CustomTrustStore = { X509CertificateLoader.LoadCertificate(Certificate.Value.RawData) },
            RevocationMode = X509RevocationMode.NoCheck,
        },
    };

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        // A subject of its own: a trust bundle holding the certificates of two fake processes must tell them apart.
        var request = new CertificateRequest($"CN=SchemaMigrate test fake {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
