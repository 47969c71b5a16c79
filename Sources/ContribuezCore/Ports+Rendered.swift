import Foundation

/// What a piece of stored HTML was rendered from (issue 10, "render once").
public enum RenderedField: String, Sendable, CaseIterable {
    /// Article or contribution body, as safe HTML (Markdown subset).
    case body
    /// Article explanation (« exposé des motifs »), as safe HTML.
    case explanation
    /// Amendment rationale, as safe HTML.
    case rationale
    /// Amendment: the word diff of the article body it amends against its new wording.
    case diff
}

/// One stored rendering: `target` + `field` name it; `version` and `sourceHash` say whether it is still valid.
public struct RenderedKey: Hashable, Sendable {
    public var target: Target
    public var field: RenderedField
    public init(_ target: Target, _ field: RenderedField) { self.target = target; self.field = field }
}

public struct RenderedHTML: Sendable, Equatable {
    public var key: RenderedKey
    /// The renderer version that produced `html`: a newer renderer re-renders older rows.
    public var version: Int
    /// A digest of every text the HTML was derived from (for a diff: the article body too), so an
    /// edited source never shows a stale rendering, whichever write path edited it.
    public var sourceHash: String
    public var html: String
    public init(key: RenderedKey, version: Int, sourceHash: String, html: String) {
        self.key = key; self.version = version; self.sourceHash = sourceHash; self.html = html
    }
}

/// A text to render, as the background warm-up reads it: `base` is the article body for a diff.
public struct RenderSource: Sendable, Equatable {
    public var key: RenderedKey
    public var text: String
    public var base: String?
    public init(key: RenderedKey, text: String, base: String? = nil) { self.key = key; self.text = text; self.base = base }
}

/// Derived HTML stored once, read in batches by pages (table `rendered_html`, migration 0007).
public protocol RenderedStore: Sendable {
    /// The stored renderings of `keys` (missing keys are absent), whatever their version.
    func renderedHTML(_ keys: [RenderedKey]) async throws -> [RenderedKey: RenderedHTML]
    /// Inserts or replaces, in one transaction.
    func putRenderedHTML(_ rows: [RenderedHTML]) async throws
    /// Sources whose rendering is missing or older than `version`, at most `limit` targets' worth: article
    /// bodies and explanations, contribution bodies, amendment rationales and diffs (amendments have no body row).
    /// Scans targets in order (articles by id, then contributions by id) after `after` (nil: from the start).
    /// Pass the last returned source's target as the next `after`; empty when the scan is done.
    func staleRenderSources(version: Int, after: Target?, limit: Int) async throws -> [RenderSource]
}
