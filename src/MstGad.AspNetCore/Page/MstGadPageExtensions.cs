using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MstGad.AspNetCore.Page;

/// <summary>Registers and maps the live page of the hosted detector.</summary>
public static class MstGadPageExtensions
{
    private static readonly Dictionary<string, (string ContentType, byte[] Bytes)> Assets = LoadAssets();

    /// <summary>Adds what the live page needs (call <c>AddMstGad</c> too); options are validated at start.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> for the defaults.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMstGadPage(this IServiceCollection services, Action<MstGadPageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MstGadPageOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>Adds what the live page needs, with options bound from a configuration section (e.g. <c>MstGad:Page</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMstGadPage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MstGadPageOptions>().Bind(configuration);
        return AddCore(services);
    }

    /// <summary>
    /// Maps the live page at <paramref name="prefix"/> (default the root): the page and its script and style (served by
    /// the host: no CDN, no internet), <c>api/state</c> (everything it shows, JSON) and <c>api/events</c> (server-sent
    /// events: <c>step</c>, <c>incident</c>, <c>health</c>).
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">The path the page is served at; it ends with <c>/</c>.</param>
    /// <returns>The endpoints.</returns>
    public static IEndpointRouteBuilder MapMstGadPage(this IEndpointRouteBuilder endpoints, string prefix = "/")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!prefix.StartsWith('/') || !prefix.EndsWith('/'))
        {
            throw new ArgumentException($"The page's prefix must start and end with '/'; it is '{prefix}'.", nameof(prefix));
        }

        foreach (var (name, asset) in Assets)
        {
            var path = name == "index.html" ? prefix : prefix + name;
            endpoints.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(asset.Bytes, asset.ContentType);
            });
        }

        endpoints.MapGet(prefix + "api/state", (HttpContext context) =>
        {
            var feed = context.RequestServices.GetRequiredService<PageFeed>();
            return Authorized(context) ? Results.Text(feed.Snapshot(), "application/json") : Results.Unauthorized();
        });
        endpoints.MapGet(prefix + "api/events", EventsAsync);
        return endpoints;
    }

    private static async Task EventsAsync(HttpContext context)
    {
        if (!Authorized(context))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var feed = context.RequestServices.GetRequiredService<PageFeed>();
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var (events, disconnect) = feed.Connect();
        try
        {
            await context.Response.WriteAsync(": connected\n\n", cancel.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cancel.Token).ConfigureAwait(false);
            await foreach (var message in events.ReadAllAsync(cancel.Token).ConfigureAwait(false))
            {
                await context.Response.WriteAsync(message, cancel.Token).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(cancel.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away or the host is stopping.
        }
        finally
        {
            disconnect();
        }
    }

    private static bool Authorized(HttpContext context)
    {
        var token = context.RequestServices.GetRequiredService<IOptions<MstGadPageOptions>>().Value.BearerToken;
        if (token is null)
        {
            return true;
        }

        var expected = Encoding.UTF8.GetBytes(token);
        var header = context.Request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : context.Request.Query["token"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<MstGadPageOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MstGadPageOptions>, MstGadPageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PageFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<PageFeed>());
        return services;
    }

    private static Dictionary<string, (string, byte[])> LoadAssets()
    {
        var assembly = typeof(MstGadPageExtensions).Assembly;
        var result = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var name in (string[])["index.html", "mstgad.js", "mstgad.css"])
        {
            using var stream = assembly.GetManifestResourceStream("MstGad.Page." + name) ?? throw new InvalidOperationException("The page asset " + name + " is missing from the assembly.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var type = name.EndsWith(".html", StringComparison.Ordinal) ? "text/html; charset=utf-8"
                : name.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript; charset=utf-8"
                : "text/css; charset=utf-8";
            result[name] = (type, copy.ToArray());
        }

        return result;
    }
}
