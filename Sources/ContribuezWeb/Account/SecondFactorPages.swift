import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The paths of the second factor (issue 13).
enum SecondFactorRoute {
    static let settings = "/compte/double-authentification"
    static let begin = "/compte/double-authentification/debut"
    static let codes = "/compte/double-authentification/codes"
    static let signInCode = "/connexion/code"
}

/// A TOTP second factor with recovery codes (issue 13): anyone may enrol on « Double authentification »; an account
/// with a confirmed factor signs in with its password, then a code (`/connexion/code`), before its session gives any
/// access. A code is accepted once; ten recovery codes, shown once and stored as hashes, each work once.
struct SecondFactorPages {
    let deps: WebDependencies

    func register(on router: Router<WebContext>) {
        router.get("/compte/double-authentification") { req, ctx in try await settings(req, ctx) }
        router.post("/compte/double-authentification/debut") { req, ctx in try await begin(req, ctx) }
        router.post("/compte/double-authentification") { req, ctx in try await confirm(req, ctx) }
        router.post("/compte/double-authentification/codes") { req, ctx in try await regenerate(req, ctx) }
        router.get("/connexion/code") { req, ctx in try await codePage(req, ctx) }
        router.post("/connexion/code") { req, ctx in try await verify(req, ctx) }
    }

    func screen(_ req: Request, _ ctx: WebContext) -> Screen { Screen(deps: deps, context: ctx, request: req) }

    // MARK: Enrolment

    func settings(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        return try await page(s, me)
    }

    func page(_ s: Screen, _ me: Participant, errors: [String] = [], codes: [String]? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let factor = try await deps.store.secondFactor(participantID: me.id)
        var data: [String: Any] = ["accountURL": ProfileRoute.account]
        if let codes {
            data["codes"] = codes
            data["hasCodes"] = true
        } else if let factor, factor.confirmedAt != nil {
            data["active"] = true
            data["codesLeft"] = s.text("second_factor_codes_left", ["n": "\(factor.recoveryCodesLeft)"])
            data["codesAction"] = SecondFactorRoute.codes
        } else if let factor, let secret = Base32.decode(factor.secret) {
            data["enrolling"] = true
            data["secret"] = Base32.grouped(factor.secret)
            data["uri"] = TOTP.uri(secret: secret, label: me.publicName)
            data["confirmAction"] = SecondFactorRoute.settings
        } else {
            data["beginAction"] = SecondFactorRoute.begin
        }
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("account_second_factor", title: s.text("second_factor_title"), data: data, status: status)
    }

    func begin(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success: break
        }
        guard let me = ctx.participant else { return s.refused(.notSignedIn) }
        guard try await SecondFactorCheck(deps: deps).begin(me.id) != nil else {
            return try await page(s, me, errors: [s.text("second_factor_err_active")], status: .conflict)
        }
        return Screen.redirect(SecondFactorRoute.settings)
    }

    func confirm(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let me = ctx.participant, let hash = ctx.sessionTokenHash else { return s.refused(.notSignedIn) }
        switch try await SecondFactorCheck(deps: deps).confirm(form.string("code"), participantID: me.id, tokenHash: hash) {
        case .notEnrolling: return try await page(s, me, errors: [s.text("second_factor_err_not_enrolling")], status: .conflict)
        case .wrongCode: return try await page(s, me, errors: [s.text("second_factor_err_code")], status: .unprocessableContent)
        case .confirmed(let codes): return try await page(s, me, codes: codes)
        }
    }

    func regenerate(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let me = ctx.participant, let hash = ctx.sessionTokenHash else { return s.refused(.notSignedIn) }
        guard let factor = try await deps.store.secondFactor(participantID: me.id), factor.confirmedAt != nil,
              let secret = Base32.decode(factor.secret)
        else { return try await page(s, me, errors: [s.text("second_factor_err_not_active")], status: .conflict) }
        // A fresh code proves the phone is at hand: a stolen session alone cannot replace the codes.
        guard let step = TOTP.matchingStep(form.string("code"), secret: secret, at: deps.clock.now()),
              try await deps.store.useSecondFactorStep(participantID: me.id, step: step, tokenHash: hash, at: deps.clock.now())
        else { return try await page(s, me, errors: [s.text("second_factor_err_code")], status: .unprocessableContent) }
        let codes = RecoveryCodes.generate()
        _ = try await deps.store.replaceRecoveryCodes(participantID: me.id, codeHashes: codes.map(RecoveryCodes.hash))
        return try await page(s, me, codes: codes)
    }

    // MARK: Signing in

    func codePage(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        guard ctx.pendingSecondFactor != nil else { return Screen.redirect(ctx.session != nil ? SiteRoute.home.path : SiteRoute.signIn.path) }
        return codeForm(s)
    }

    func codeForm(_ s: Screen, errors: [String] = [], status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = ["action": SecondFactorRoute.signInCode]
        if !errors.isEmpty { data["errors"] = ["items": errors] }
        return s.html("signin_code", title: s.text("second_factor_signin_title"), data: data, status: status)
    }

    func verify(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = screen(req, ctx)
        let form: Form
        switch await FormGuard.check(req, ctx, s) {
        case .failure(let r): return r.response
        case .success(let f): form = f
        }
        guard let pending = ctx.pendingSecondFactor else { return Screen.redirect(SiteRoute.signIn.path) }
        let me = pending.session.participant
        let email = me.email ?? "#\(me.id)"
        if case .limited(let rule, let wait) = try await RateLimiter(deps: deps).signInAttempt(email: email) {
            return TooManyRequests.page(s, rule, retryAfter: wait)
        }
        guard try await SecondFactorCheck(deps: deps).verify(form.string("code"), participantID: me.id, tokenHash: pending.tokenHash) else {
            return codeForm(s, errors: [s.text("second_factor_err_code")], status: .unauthorized)
        }
        try await RateLimiter(deps: deps).signedIn(email: email)
        return Screen.redirect(SiteRoute.home.path)
    }
}

/// Checks a code typed at sign-in — a TOTP code of the confirmed factor, or an unused recovery code — and marks the
/// session verified. Used by the code page and by `POST /api/v1/sessions`.
struct SecondFactorCheck {
    let deps: WebDependencies

    func verify(_ typed: String, participantID: ID, tokenHash: String) async throws -> Bool {
        let now = deps.clock.now()
        guard let factor = try await deps.store.secondFactor(participantID: participantID), factor.confirmedAt != nil,
              let secret = Base32.decode(factor.secret) else { return false }
        if let step = TOTP.matchingStep(typed, secret: secret, at: now) {
            return try await deps.store.useSecondFactorStep(participantID: participantID, step: step, tokenHash: tokenHash, at: now)
        }
        if RecoveryCodes.looksLikeOne(typed) {
            return try await deps.store.useRecoveryCode(participantID: participantID, codeHash: RecoveryCodes.hash(typed), tokenHash: tokenHash, at: now)
        }
        return false
    }

    /// Draws a new secret for the participant, replacing one not yet confirmed; nil when a confirmed factor is on.
    func begin(_ participantID: ID) async throws -> [UInt8]? {
        let secret = TOTP.newSecret()
        return try await deps.store.beginSecondFactor(participantID: participantID, secret: Base32.encode(secret), at: deps.clock.now()) ? secret : nil
    }

    enum Confirmation {
        case notEnrolling
        case wrongCode
        /// On: the recovery codes, to show once (only their hashes are kept).
        case confirmed([String])
    }

    /// Turns the drawn secret on with a code computed from it and marks the session `tokenHash` verified.
    func confirm(_ typed: String, participantID: ID, tokenHash: String) async throws -> Confirmation {
        let now = deps.clock.now()
        guard let factor = try await deps.store.secondFactor(participantID: participantID), factor.confirmedAt == nil,
              let secret = Base32.decode(factor.secret) else { return .notEnrolling }
        guard let step = TOTP.matchingStep(typed, secret: secret, at: now) else { return .wrongCode }
        let codes = RecoveryCodes.generate()
        guard try await deps.store.confirmSecondFactor(
            participantID: participantID, step: step, recoveryCodeHashes: codes.map(RecoveryCodes.hash), tokenHash: tokenHash, at: now)
        else { return .wrongCode }
        return .confirmed(codes)
    }

    func required(_ participantID: ID) async throws -> Bool {
        try await deps.store.secondFactor(participantID: participantID)?.confirmedAt != nil
    }
}
