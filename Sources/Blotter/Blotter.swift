// The library product: one import for a program that embeds Blotter with its SQLite store.
@_exported public import BlotterCrypto
@_exported public import BlotterFormat
@_exported public import BlotterLog
@_exported public import BlotterDomain
@_exported public import BlotterDisclosure
@_exported public import BlotterImport
@_exported public import BlotterSQLite
