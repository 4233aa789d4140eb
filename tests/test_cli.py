"""The CLI end to end on the sample project: output, exit codes, promtool integration."""


def test_help_lists_every_command_with_a_description(run):
    result = run("--help")
    for command in ("build", "check", "lint", "test"):
        line = next(line for line in result.output.splitlines() if line.strip().startswith(command + " "))
        assert len(line.split(None, 1)[1]) > 10


def test_build_prints_what_it_built(run, sample_project):
    result = run("build")
    assert result.exit_code == 0
    assert "1 dashboards, 1 rule groups, 3 rules, 1 promtool test files" in result.output
    assert (sample_project / "build" / "prometheus" / "alerts-service.rules.yaml").exists()


def test_check_passes_on_the_sample(run):
    result = run("check")
    assert result.exit_code == 0, result.output + result.stderr
    assert "ok   promtool check rules build/prometheus/alerts-service.rules.yaml" in result.output
    assert "lint: 0 finding(s), 0 waived" in result.output


def test_check_fails_at_build_time_on_a_template_promtool_would_reject(run, sample_project):
    module = sample_project / "alerts" / "service.py"
    module.write_text(module.read_text().replace("{{ $labels.service }}", "{{ $labels.service "))
    result = run("check")
    assert result.exit_code == 1
    assert "promtool check rules" not in result.output
    assert "error: alerts/service.py:11: group 'checkout', alert 'CheckoutHighErrorRate': description: template " \
           "does not parse at 1:21: bad number syntax: '5xx'" in result.stderr


def test_lint_findings_fail_check_and_name_the_rule(run, sample_project):
    module = sample_project / "alerts" / "service.py"
    module.write_text(module.read_text().replace('for_="5m", ', ""))
    result = run("lint")
    assert result.exit_code == 1
    assert ("lint: alerts/service.py: group 'checkout', alert 'CheckoutHighErrorRate': for: set `for`"
            in result.stderr)


def test_test_runs_promtool_and_reports_each_file(run):
    result = run("test")
    assert result.exit_code == 0, result.stderr
    assert "ok   build/tests/service_test.yaml" in result.output
    assert "promtool tests: 1 passed, 0 failed" in result.output


def test_a_failing_promtool_test_exits_1_and_shows_the_difference(run, sample_project):
    test_file = sample_project / "tests" / "promtool" / "service_test.yaml"
    test_file.write_text(test_file.read_text().replace("ratio is 10%", "ratio is 12%"))
    result = run("test")
    assert result.exit_code == 1
    assert "FAIL build/tests/service_test.yaml" in result.output
    assert 'description="checkout 5xx ratio is 12%"' in result.stderr
    assert 'description="checkout 5xx ratio is 10%"' in result.stderr


def test_test_patterns_select_files_and_an_unmatched_pattern_is_an_error(run):
    assert run("test", "service*").exit_code == 0
    result = run("test", "nothing-like-this")
    assert result.exit_code == 1 and "no promtool or route test file matches nothing-like-this" in result.stderr


def test_a_test_file_naming_an_unknown_rule_file_is_rejected(run, sample_project):
    test_file = sample_project / "tests" / "promtool" / "service_test.yaml"
    test_file.write_text(test_file.read_text().replace("alerts-service.rules.yaml", "alerts-typo.rules.yaml"))
    result = run("test")
    assert result.exit_code == 1
    assert ("tests/promtool/service_test.yaml: rule_files: 'alerts-typo.rules.yaml' is not a built rule file "
            "(built: alerts-service.rules.yaml)") in result.stderr


def test_missing_promtool_exits_3_with_install_advice(run, tmp_path):
    result = run("test", env={"PATH": str(tmp_path), "PROMTOOL": None})
    assert result.exit_code == 3
    assert "apt-get install -y prometheus" in result.stderr


def test_usage_errors_exit_2(run):
    assert run("build", "--no-such-option").exit_code == 2
    assert run("lint", "--scrape-interval", "soon").exit_code == 2


def test_relative_out_folder_works_for_every_command(run, sample_project):
    for command in ("check", "test"):
        result = run(command, "--out", "elsewhere/out")
        assert result.exit_code == 0, result.output + result.stderr
    assert (sample_project / "elsewhere" / "out" / "prometheus" / "alerts-service.rules.yaml").exists()
