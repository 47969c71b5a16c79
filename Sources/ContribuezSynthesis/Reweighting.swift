import ContribuezAnalysis
import ContribuezCore
import Foundation

/// Namespace of representativeness and reweighting over a consultation (issue 4).
public enum Reweighting {}
