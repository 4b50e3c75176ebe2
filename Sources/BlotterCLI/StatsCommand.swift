import ArgumentParser
import Blotter

struct StatsCommand: BlotterSubcommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts by allegation category and finding, discipline, unit and year.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions
    func execute() throws {
        let (ledger, catalog) = try openDomain(ledgerOptions)
        defer { try? ledger.close() }
        let v = try views(ledger, catalog) { try $0.statistics() }
        if output.json { try emitJSON(v); return }
        emit("ALLEGATIONS BY CATEGORY AND FINAL FINDING")
        table(["category", "finding", "allegations"], rows(v["allegations_by_category_and_finding"], ["category", "finding", "allegations"]))
        emit("DISCIPLINE (current penalty per allegation)")
        table(["penalty", "allegations"], rows(v["discipline_by_penalty"], ["penalty", "allegations"]))
        emit("CASES BY UNIT AND STATUS")
        table(["unit", "status", "cases"], rows(v["cases_by_unit_and_status"], ["unit", "status", "cases"]))
        emit("BY YEAR")
        table(["year", "complaints", "cases opened", "sustained allegations", "use-of-force reports"],
              rows(v["by_year"], ["year", "complaints", "cases_opened", "allegations_sustained", "use_of_force_reports"]))
    }
}
