using System.Net;
using System.Net.Sockets;

namespace MstGad.Testing;

/// <summary>Local ports for servers the tests start.</summary>
internal static class Ports
{
    /// <summary>A loopback TCP port free at the moment of asking (the system's choice).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
