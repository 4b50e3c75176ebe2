import Foundation
import Testing

@Suite("The README")
struct ReadmeTests {
    /// The paths the README's Layout table names (backquoted in its first column).
    static func layoutPaths() throws -> [String] {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "## Layout"))
        var paths: [String] = []
        for line in readme[start.upperBound...].split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            paths += cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        return paths
    }

    @Test("the Layout table names every folder and file of the repository's top levels, and nothing that is not there")
    func layoutMatchesTheTree() throws {
        let paths = try Self.layoutPaths()
        #expect(paths.count > 30)
        let files = FileManager.default
        for path in paths {
            #expect(files.fileExists(atPath: repositoryRoot.appendingPathComponent(path).path), "the Layout table names \(path), which does not exist")
        }
        // What is there: the folders and files one level inside each top-level folder, and the package file.
        var present = ["Package.swift", ".ci/run"]
        for folder in ["Sources", "Schemas", "Tools", "Tests", "Benchmarks", "Fuzz", "docs"] {
            for name in try files.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(folder).path) where !name.hasPrefix(".") {
                var isFolder: ObjCBool = false
                _ = files.fileExists(atPath: repositoryRoot.appendingPathComponent("\(folder)/\(name)").path, isDirectory: &isFolder)
                present.append("\(folder)/\(name)" + (isFolder.boolValue && ["Schemas", "Tools"].contains(folder) ? "/" : ""))
            }
        }
        let named = Set(paths)
        for path in present {
            #expect(named.contains(path) || named.contains(path + "/"), "\(path) is not in the README's Layout table")
        }
    }

    @Test("every guide the README links to is there")
    func linksResolve() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let links = readme.matches(of: try Regex(#"\]\(([^)#:]+)\)"#)).compactMap { $0.output[1].substring.map(String.init) }
        #expect(links.count > 8)
        for link in links {
            #expect(FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent(link).path), "README links to \(link), which is not there")
        }
        for guide in ["docs/CASEWORK.md", "docs/RECORDS.md", "docs/OVERSIGHT.md", "docs/OPERATIONS.md", "docs/COMMANDS.md", "docs/PERFORMANCE.md"] {
            #expect(links.contains(guide), "the README does not link \(guide)")
        }
    }
}
