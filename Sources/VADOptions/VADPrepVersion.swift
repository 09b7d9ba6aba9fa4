/// The vadprep version written into every dataset and model.
public enum VADPrepVersion {
    public static let current = "0.1.0"
}
