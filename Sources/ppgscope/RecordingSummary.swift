import PPGFormats
import PPGSignals

/// Placeholder until the recording readers land.
func recordingSummary(_ path: String) throws -> String {
    throw PPGScopeError(file: path, "not a Keras model file")
}
