import ContribuezCore
import Foundation
import GRDB

extension SQLiteStore {
}
