namespace MstGad.Testing;

/// <summary>Waiting in real time for what another thread (a hosted service, a server) does.</summary>
internal static class Waiting
{
    /// <summary>Waits (up to <paramref name="seconds"/> of real time) until a condition holds; fails the test naming
    /// what it waited for.</summary>
    public static async Task Until(Func<bool> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            await Task.Delay(10);
        }
    }
}
