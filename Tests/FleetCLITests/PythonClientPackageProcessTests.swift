import FleetTestSupport
import Foundation
import Testing

extension ProcessSuites {
    /// The Python package robot teams install (`pip install ./Protocols/python`): installed
    /// into a fresh virtual environment, its tests run there against the real `fleet ingest`
    /// (reliable and pub mode, a temporary database each), and its types checked.
    @Suite(.serialized)
    struct PythonClientPackageProcessTests {
        static let package = ExternalTool.packageRoot.appendingPathComponent("Protocols/python")

        /// The CI Python, or nil after recording why (an issue in CI, where it must be there).
        static func python() -> String? {
            if let python = ExternalTool.ciPython { return python }
            if ExternalTool.requiredByCI {
                Issue.record("no CI Python (.venv-ci): .ci/run makes it from Tests/requirements-ci.txt")
            }
            return nil
        }

        @Test(.timeLimit(.minutes(6)))
        func thePackageInstallsIntoAFreshEnvironmentAndItsTestsPassAgainstTheRealIngester() async throws {
            guard let python = Self.python() else { return }
            let folder = try TemporaryFolder()
            let work = folder.url
            let venv = work.appendingPathComponent("venv")
            let made = try await offPool { try ToolRun.run(python, ["-m", "venv", venv.path], timeout: .seconds(120)) }
            #expect(made.succeeded, "python -m venv: \(made.output)")
            guard made.succeeded else { return }
            let venvPython = venv.appendingPathComponent("bin/python").path
            // The test extra (pytest) and pyzmq at the versions CI pins.
            let constraints = ExternalTool.packageRoot.appendingPathComponent("Tests/requirements-ci.txt").path
            let installed = try await offPool {
                try ToolRun.run(
                    venvPython,
                    [
                        "-m", "pip", "install", "-q", "--disable-pip-version-check", "\(Self.package.path)[test]", "-c",
                        constraints,
                    ],
                    in: work,
                    timeout: .seconds(240)
                )
            }
            #expect(installed.succeeded, "pip install ./Protocols/python: \(installed.output)")
            guard installed.succeeded else { return }

            // Run from the temporary folder, so `import fleet_protocol` finds the installed copy
            // (test_package.py checks that it does).
            let tests = Self.package.appendingPathComponent("tests").path
            let run = try await offPool {
                try ToolRun.run(
                    venvPython,
                    ["-m", "pytest", "-p", "no:cacheprovider", "-rA", tests],
                    in: work,
                    environment: ["FLEET_BIN": FleetBinary.url.path, "FLEET_PROTOCOL_EXPECT_INSTALLED": "1"],
                    timeout: .seconds(300)
                )
            }
            #expect(run.succeeded, "pytest: \(run.output)")
            let summary = run.output.split(separator: "\n").last.map(String.init) ?? ""
            #expect(summary.contains(" passed"), "pytest summary: \(summary)")
            #expect(!summary.contains("skipped") && !summary.contains("failed"), "pytest summary: \(summary)")
            for test in [
                "test_every_frame_is_acknowledged_and_stored",
                "test_a_rejected_frame_is_settled_and_does_not_stall_the_window",
                "test_frames_sent_while_the_ingester_is_down_are_resent_after_it_restarts",
                "test_published_frames_are_stored_in_order",
                "test_the_installed_copy_is_the_one_imported",
            ] {
                let passed = run.output.split(separator: "\n").contains { $0.hasPrefix("PASSED") && $0.hasSuffix(test) }
                #expect(passed, "\(test) did not pass")
            }
        }

        @Test(.timeLimit(.minutes(3)))
        func thePackageTypeChecksUnderMypyStrict() async throws {
            guard let python = Self.python() else { return }
            guard ExternalTool.ciPythonHas(module: "mypy") else {
                if ExternalTool.requiredByCI { Issue.record("mypy is not in .venv-ci (Tests/requirements-ci.txt)") }
                return
            }
            let checked = try await offPool {
                try ToolRun.run(
                    python,
                    [
                        "-m", "mypy", "--strict", "--no-incremental",
                        Self.package.appendingPathComponent("fleet_protocol").path,
                    ],
                    in: ExternalTool.packageRoot,
                    timeout: .seconds(150)
                )
            }
            #expect(checked.succeeded, "mypy --strict: \(checked.output)")
            #expect(checked.output.contains("Success: no issues found"))
        }
    }
}
