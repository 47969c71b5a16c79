import ContribuezCore
import Hummingbird

/// Opt-in profile questionnaire and representativeness dashboard (issue 4).
struct ProfileHandlers {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {}
}
