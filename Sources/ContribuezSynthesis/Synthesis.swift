import ContribuezAnalysis
import ContribuezCore
import Foundation

/// Namespace of the synthesis runner (issue 3).
public enum Synthesis {}
