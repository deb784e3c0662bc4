import PPGFormats
import PPGNetwork
import Foundation
let net = try KerasModelFile.load(CommandLine.arguments[1])
print(net.name, net.inputShape, net.outputShape, net.parameterCount)
for n in net.nodes { print(n.name, n.operation.className, n.outputShape, n.timeStep, n.receptiveField ?? -1) }
let t = (0..<256).map { Double($0) / 32 }
var x: [Float] = []
for v in t { let s = Float(cos(2 * .pi * 1.5 * v) + 0.5 * cos(2 * .pi * 3 * v)); for _ in 0..<net.inputShape[1] { x.append(s) } }
let r = try net.forward(Tensor(shape: [1] + net.inputShape, values: x))
print(r.output.values)
