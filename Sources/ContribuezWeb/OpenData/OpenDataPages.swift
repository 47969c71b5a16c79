import ContribuezCore
import ContribuezOpenData
import Foundation
import HTTPTypes
import Hummingbird

/// The open-data package at `/consultations/{id}/donnees.zip`, streamed from one database snapshot
/// straight into the response (never held whole in memory), and the organiser's publication form.
struct OpenDataPages {
    let deps: WebDependencies

    var now: Date { deps.clock.now() }

    func register(on router: Router<WebContext>) {
        router.get("/consultations/:id/donnees.zip") { req, ctx in try await download(req, ctx) }
        router.post("/consultations/:id/organiser/donnees") { req, ctx in try await publication(req, ctx) }
    }

    /// 404 for whoever may not download it yet (the public before publication: saying it exists
    /// would say nothing useful), the package otherwise.
    func download(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let s = Screen(deps: deps, context: ctx, request: req)
        let now = self.now
        guard let id = Institution.id(ctx), let c = try await deps.store.consultation(id: id),
              Permissions.can(ctx.actor, .read, on: c, at: now) == .allowed,
              let access = try await OpenDataAccess.check(c, actor: ctx.actor, store: deps.store, at: now), access.mayDownload
        else { return s.notFound() }
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"\(OpenDataPackage.filename(c))\""
        // NB: before publication only organisers get it: no shared cache may keep that copy.
        headers[.cacheControl] = access.isPublic ? "public, max-age=300" : "private, no-store"
        let store = deps.store
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let sink = try await OpenDataPackage.write(consultation: c, store: store, exportedAt: now, to: ResponseSink(writer: writer))
            writer = sink.writer
            try await writer.finish(nil)
        })
    }

    func publication(_ req: Request, _ ctx: WebContext) async throws -> Response {
        try await Institution.withConsultation(deps, req, ctx) { s, form, c in
            let intent = form.string("intent")
            let outcome: Outcome<OpenDataPublication>
            switch intent {
            case "publish": outcome = try await PublishOpenData(actor: ctx.actor, consultationID: c.id).run(deps.commands)
            case "unpublish": outcome = try await UnpublishOpenData(actor: ctx.actor, consultationID: c.id).run(deps.commands)
            case "at_closing_on", "at_closing_off":
                outcome = try await SetOpenDataAtClosing(actor: ctx.actor, consultationID: c.id, atClosing: intent == "at_closing_on").run(deps.commands)
            default:
                if case .refused(let r) = Permissions.can(ctx.actor, .publishOpenData, on: c, at: now) { return s.refused(r) }
                return s.error(.unprocessableContent, s.text("opendata_unknown_intent"))
            }
            switch outcome {
            case .done: return Screen.redirect(Screen.with(OrganiseRoute.organiser(c.id).path, ok: "consultation_saved") + "#donnees")
            default: return Institution.failure(outcome, s)
            }
        }
    }

    /// The organiser page's « Données ouvertes » section: status, download, publication forms.
    func organiserSection(_ s: Screen, _ c: Consultation) async throws -> [String: Any]? {
        let now = self.now
        guard Permissions.can(s.context.actor, .publishOpenData, on: c, at: now) == .allowed,
              let access = try await OpenDataAccess.check(c, actor: s.context.actor, store: deps.store, at: now) else { return nil }
        let p = access.publication
        let status: String
        if access.isPublic {
            status = p.publishedAt.map { s.text("opendata_status_published", ["date": deps.catalogue.date($0, s.lang)]) } ?? s.text("opendata_status_public_closed")
        } else if !c.isPublished {
            status = s.text("opendata_status_draft")
        } else {
            status = s.text(p.atClosing ? "opendata_status_at_closing" : "opendata_status_private", ["date": deps.catalogue.date(c.closesAt, s.lang)])
        }
        var d: [String: Any] = [
            "action": OpenDataRoute.publication(c.id).path, "downloadURL": OpenDataRoute.download(c.id).path,
            "status": status, "isPublic": access.isPublic,
            "verifyHint": s.text("opendata_verify_hint", ["file": OpenDataPackage.filename(c)]),
        ]
        d[p.publishedAt == nil ? "canPublish" : "canUnpublish"] = true
        d[p.atClosing ? "atClosingOn" : "atClosingOff"] = true
        if !access.isPublic { d["organisersOnly"] = true }
        return d
    }

    /// The consultation page's link, once the package is public.
    func consultationLink(_ s: Screen, _ c: Consultation) async throws -> [String: Any]? {
        guard let access = try await OpenDataAccess.check(c, actor: s.context.actor, store: deps.store, at: now), access.isPublic else { return nil }
        return ["url": OpenDataRoute.download(c.id).path, "filename": OpenDataPackage.filename(c)]
    }
}

/// Hands ZIP chunks to the HTTP response as they are written.
struct ResponseSink: ByteSink {
    var writer: any ResponseBodyWriter

    mutating func write(_ bytes: [UInt8]) async throws { try await writer.write(ByteBuffer(bytes: bytes)) }
}
