namespace MstGad.Hosting;

/// <summary>
/// Takes batches of records for detection, whole or not at all: the seam between receivers (the OTLP endpoints of
/// MstGad.AspNetCore) and what detects. <see cref="MstGadMonitor"/> is the one-process receiver; MstGad.Orleans has one
/// that routes each record to its system's grain in a cluster.
/// </summary>
public interface ITelemetryReceiver
{
    /// <summary>Takes a batch, or says why not.</summary>
    /// <param name="batch">The records (not changed afterwards).</param>
    /// <returns><see cref="ReceiveStatus.Accepted"/>, or why it was not taken.</returns>
    ReceiveStatus Receive(TelemetryBatch batch);
}
