import ContribuezCore
import Foundation
import PostgresNIO

extension PostgresStore {
}
