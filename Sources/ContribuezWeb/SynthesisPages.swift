import ContribuezCore
import Hummingbird

/// Synthesis pages and downloads (issue 3).
struct SynthesisHandlers {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {}
}
