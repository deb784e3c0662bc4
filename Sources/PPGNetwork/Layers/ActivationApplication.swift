extension Activation {
    /// Applies the activation in place to every element (`linear` leaves `x` unchanged).
    public func apply(to x: inout [Float]) {
        switch self {
        case .linear: return
        case .relu: Activation.reluInPlace(&x)
        }
    }
}
