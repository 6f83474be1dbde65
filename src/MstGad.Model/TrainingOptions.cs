using System.Globalization;

namespace MstGad.Model;

/// <summary>Training settings (defaults from the paper and its reference code).</summary>
public sealed class TrainingOptions
{
    /// <summary>Maximum epochs.</summary>
    /// <value>Default 300. At least 1.</value>
    public int MaxEpochs { get; set; } = 300;

    /// <summary>Windows per batch.</summary>
    /// <value>Default 50. At least 1.</value>
    public int BatchSize { get; set; } = 50;

    /// <summary>The initial learning rate of AdaBelief.</summary>
    /// <value>Default 1e-3. Greater than zero.</value>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Decoupled weight decay.</summary>
    /// <value>Default 5e-4. Zero or more.</value>
    public double WeightDecay { get; set; } = 5e-4;

    /// <summary>Epochs between learning-rate decays (step schedule).</summary>
    /// <value>Default 100. At least 1.</value>
    public int LearningRateStep { get; set; } = 100;

    /// <summary>Factor of each learning-rate decay.</summary>
    /// <value>Default 0.9. In (0, 1].</value>
    public double LearningRateDecay { get; set; } = 0.9;

    /// <summary>Gradient clipping: the largest global gradient norm.</summary>
    /// <value>Default 10. Greater than zero.</value>
    public double GradientClipNorm { get; set; } = 10;

    /// <summary>Early stopping: epochs without a better validation loss before training stops.</summary>
    /// <value>Default 7 (15 until 2026-12-07: on the TrainTicket day, the three split-by-faults seeds and the
    /// OnlineBoutique day both keep the same epoch; 7 stops the whole TrainTicket day after 15 epochs instead of 23).
    /// At least 1.</value>
    public int Patience { get; set; } = 7;

    /// <summary>
    /// A limit on the wall-clock time of training: no epoch starts that would, at the mean epoch time so
    /// far, end after it (the first epoch always runs). <see langword="null"/> for no limit.
    /// </summary>
    /// <value>Default <see langword="null"/>. Greater than zero when set.</value>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>The seed of weight initialisation, dropout and shuffling.</summary>
    /// <value>Default 42.</value>
    public long Seed { get; set; } = 42;

    /// <summary>Checks every setting.</summary>
    /// <returns>The problems (empty when valid).</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString s) => problems.Add(s.ToString(CultureInfo.InvariantCulture));
        if (MaxEpochs < 1)
        {
            Add($"MaxEpochs must be at least 1; it is {MaxEpochs}.");
        }

        if (BatchSize < 1)
        {
            Add($"BatchSize must be at least 1; it is {BatchSize}.");
        }

        if (!(LearningRate > 0))
        {
            Add($"LearningRate must be greater than zero; it is {LearningRate}.");
        }

        if (!(WeightDecay >= 0))
        {
            Add($"WeightDecay must be zero or more; it is {WeightDecay}.");
        }

        if (LearningRateStep < 1)
        {
            Add($"LearningRateStep must be at least 1; it is {LearningRateStep}.");
        }

        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1))
        {
            Add($"LearningRateDecay must be in (0, 1]; it is {LearningRateDecay}.");
        }

        if (!(GradientClipNorm > 0))
        {
            Add($"GradientClipNorm must be greater than zero; it is {GradientClipNorm}.");
        }

        if (Patience < 1)
        {
            Add($"Patience must be at least 1; it is {Patience}.");
        }

        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
        {
            Add($"TimeBudget must be greater than zero when set; it is {budget}.");
        }

        return problems;
    }

    /// <summary>A copy (later changes to either do not affect the other).</summary>
    /// <returns>The copy.</returns>
    public TrainingOptions Clone() => (TrainingOptions)MemberwiseClone();
}
