using Microsoft.Extensions.Hosting;

namespace MstGad.Hosting;

/// <summary>Starts the <see cref="MstGadMonitor"/> with the host and stops it (pushing every accepted record and writing the shutdown checkpoint) when the host stops.</summary>
internal sealed class MstGadHostedService(MstGadMonitor monitor) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => monitor.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => monitor.StopAsync(cancellationToken);
}
