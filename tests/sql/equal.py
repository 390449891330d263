#!/usr/bin/python3
"""tests/sql/equal.py — the script `doudi sql` makes, run on a real engine, against `doudi run`.

    equal.py --doudi BIN --rules FILE --population DIR --work DIR --engine sqlite|postgres [--as-of D]
             [--import-rules FILE]

The population (DIR/persons.csv and, when there, DIR/institutions.csv) is imported into a fresh
ledger and run by doudi; then the SQL script runs on the engine over the ledger's record tables:
on SQLite in a copy of the ledger itself, on PostgreSQL in a fresh database of the server PGHOST
and PGPORT name (the tables made with `doudi sql --ddl`, the ledger's rows copied in). Compared:

  - the results file: the rows of plan_results in the engine's order (ORDER BY id, byte order),
    written as doudi writes results.csv, must equal doudi's file byte for byte;
  - the persons held back: plan_review's ids, the run's review rows;
  - the capacity plan: every row of plan_capacity and plan_capacity_years, the run's stored plan;
  - every form: for the city and each county, every cell of plan_forms, the cells of
    `doudi report --format json` (blank as null); and the counties, the sheets of the xlsx report.

Prints one line per check and exits 1 on the first difference (with the differing rows), 2 when
something could not be run. Nothing is skipped: an engine that cannot be reached is a failure."""

import argparse
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys


def die(msg, code=1):
    print("FAIL " + msg)
    sys.exit(code)


def run(args, ok=(0,), **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode not in ok:
        die("%s exited %d:\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr), 2)
    return p.stdout


def table_named(db, suffix):
    """The ledger's table named `suffix` (or doudi_`suffix`: the ledger's own tables may carry a prefix)."""
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for n in ("doudi_" + suffix, suffix):
        if n in names:
            return '"%s"' % n
    die("the ledger has no table %s (tables: %s)" % (suffix, ", ".join(names)), 2)


def results_csv(rows):
    """doudi's results file (engine/run.c write_results_file) from (id, categories, primary, placement, year)."""
    def field(s):
        if any(c in s for c in ',"\n\r'):
            return '"' + s.replace('"', '""') + '"'
        return s
    out = io.StringIO()
    out.write("id,categories,primary_category,placement,year\n")
    for r in rows:
        out.write(",".join(field(str(v)) for v in r[:4]) + ",")
        if r[4] is not None and r[4] != "":
            out.write(str(int(r[4])))
        out.write("\n")
    return out.getvalue()


# ---- engines ----------------------------------------------------------------------------------------

class SQLite:
    def __init__(self, work, ledger, script):
        self.path = os.path.join(work, "engine.db")
        shutil.copyfile(ledger, self.path)
        self.db = sqlite3.connect(self.path)
        with open(script, encoding="utf-8") as f:
            try:
                self.db.executescript(f.read())
            except sqlite3.Error as e:
                die("SQLite refused %s: %s" % (script, e), 2)

    def query(self, sql):
        return [tuple(v for v in r) for r in self.db.execute(sql)]

    def tables(self):
        return {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    order_bytes = ""


def psql_bin(name):
    for d in os.environ.get("PATH", "").split(":"):
        if d and os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    return name


class Postgres:
    order_bytes = ' COLLATE "C"'

    def __init__(self, work, ledger, script, doudi, rules, dbname):
        self.psql = psql_bin("psql")
        run([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", 'DROP DATABASE IF EXISTS "%s"' % dbname])
        run([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c",
             "CREATE DATABASE \"%s\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" % dbname])
        self.dbname = dbname
        ddl = os.path.join(work, "tables.sql")
        run([doudi, "sql", rules, "--dialect", "postgres", "--ddl", "-o", ddl])
        self.exec_file(ddl)
        self.load(ledger)
        self.exec_file(script)

    def exec_file(self, path):
        run([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dbname, "-f", path])

    def load(self, ledger):
        """Every record table of the ledger, row by row as doudi import stored it."""
        src = sqlite3.connect(ledger)
        pg_tables = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        for (table,) in pg_tables:
            cols = [r[1] for r in src.execute('PRAGMA table_info("%s")' % table)]
            if not cols:
                continue
            lines = []
            for row in src.execute("SELECT %s FROM \"%s\"" % (", ".join('"%s"' % c for c in cols), table)):
                lines.append(",".join("" if v is None else str(v) if isinstance(v, int) else
                                      '"' + str(v).replace('"', '""') + '"' for v in row))
            data = "".join(l + "\n" for l in lines)   # NULL unquoted and empty, text always quoted
            copy = "\\copy \"%s\" (%s) FROM STDIN WITH (FORMAT csv)" % (table, ", ".join('"%s"' % c for c in cols))
            p = subprocess.run([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dbname, "-c", copy],
                               input=data, capture_output=True, text=True)
            if p.returncode:
                die("loading %s into PostgreSQL: %s" % (table, p.stderr), 2)

    def query(self, sql):
        out = run([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dbname, "-c",
                   "COPY (%s) TO STDOUT WITH (FORMAT csv)" % sql])
        rows = []
        for rec in csv.reader(io.StringIO(out)):
            rows.append(tuple(rec))
        return rows

    def tables(self):
        return {r[0] for r in self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}


def norm(v):
    """A value as text, NULL as None: the engines' rows compared alike."""
    if v is None:
        return None
    if isinstance(v, bool):
        return str(int(v))
    return str(v)


# ---- the checks -------------------------------------------------------------------------------------

def check_results(eng, results_path):
    rows = eng.query("SELECT id, categories, primary_category, placement, year FROM plan_results ORDER BY id%s"
                     % eng.order_bytes)
    got = results_csv(rows)
    with open(results_path, encoding="utf-8", newline="") as f:
        want = f.read()
    if got != want:
        wl, gl = want.splitlines(), got.splitlines()
        diff = [("- " + a, "+ " + b) for a, b in zip(wl, gl) if a != b][:10]
        die("results file: %d lines from doudi, %d from SQL; first differences:\n%s" %
            (len(wl), len(gl), "\n".join(a + "\n" + b for a, b in diff)))
    print("ok   results file: %d rows, byte for byte" % (len(rows)))


def check_review(eng, ledger, run_id):
    db = sqlite3.connect(ledger)
    review = table_named(db, "review")
    want = sorted(r[0] for r in db.execute("SELECT raw FROM %s WHERE run = ?" % review, (run_id,)))
    got = sorted(norm(r[0]) for r in eng.query("SELECT id FROM plan_review"))
    if want != got:
        die("review: doudi %s, SQL %s" % (want[:10], got[:10]))
    print("ok   review: %d persons" % len(want))


def check_capacity(eng, ledger, run_id):
    db = sqlite3.connect(ledger)
    cols = "demand, required_beds, existing, existing_beds, new, upgrades, tasks"
    plan = table_named(db, "capacity_plan")
    want = sorted((r[0], r[1]) + tuple(str(v) for v in r[2:]) for r in
                  db.execute("SELECT partition, type, %s FROM %s WHERE run = ?" % (cols, plan), (run_id,)))
    got = sorted((norm(r[0]), norm(r[1])) + tuple(norm(v) for v in r[2:]) for r in
                 eng.query('SELECT "partition", type, %s FROM plan_capacity' % cols))
    if want != got:
        die("capacity plan differs:\n  doudi %s\n  SQL   %s" % (sorted(set(want) - set(got))[:5], sorted(set(got) - set(want))[:5]))
    years = table_named(db, "capacity_years")
    want_y = sorted((r[0], r[1], str(r[2]), str(r[3])) for r in
                    db.execute("SELECT partition, type, year, n FROM %s WHERE run = ?" % years, (run_id,)))
    got_y = sorted(tuple(norm(v) for v in r) for r in eng.query('SELECT "partition", type, year, n FROM plan_capacity_years'))
    if want_y != got_y:
        die("capacity years differ:\n  doudi %s\n  SQL   %s" % (sorted(set(want_y) - set(got_y))[:5], sorted(set(got_y) - set(want_y))[:5]))
    print("ok   capacity plan: %d rows, %d year rows" % (len(want), len(want_y)))


def report_counties(doudi, rules, ledger, form, work):
    import openpyxl
    path = os.path.join(work, form + ".xlsx")
    run([doudi, "report", rules, "--db", ledger, "--form", form, "--format", "xlsx", "-o", path])
    # each county's sheet is named by the county's name; its footer holds the code the forms are
    # keyed by (区县代码：410122), as plan_forms is
    wb = openpyxl.load_workbook(path)
    sheets = wb.worksheets[1:] if wb.sheetnames and wb.sheetnames[0] == "全市" else wb.worksheets
    codes = []
    for ws in sheets:
        f = ws.oddFooter
        text = "".join(part.text or "" for part in (f.left, f.center, f.right))
        m = re.search(r"区县代码：(\S+)", text)
        codes.append(m.group(1) if m else ws.title)
    return codes


def vm_report(reports, args):
    """`doudi report` once per form and sheet, whatever the engine."""
    key = tuple(args)
    if key not in reports:
        reports[key] = run(args)
    return reports[key]


def check_forms(eng, doudi, rules, ledger, work, reports):
    forms = [norm(r[0]) for r in eng.query("SELECT DISTINCT form FROM plan_form_layout")]
    ncells = 0
    for form in sorted(forms):
        rows = eng.query("SELECT \"partition\", row_no, col_no, value FROM plan_forms WHERE form = '%s'" % form)
        sheets = {}
        per = eng.query("SELECT MAX(per) FROM plan_form_layout WHERE form = '%s'" % form)[0][0]
        for part, r, c, v in rows:
            part = norm(part)
            if part == "" and isinstance(eng, Postgres):
                part = None   # COPY writes NULL as an empty field; a county is never ''
            key = part
            sheets.setdefault(key, {})[(int(r), int(c))] = None if v is None or v == "" else int(v)
        counties = sorted(k for k in sheets if k is not None)
        if str(per) == "1":
            key = ("counties", form)
            if key not in reports:
                reports[key] = sorted(report_counties(doudi, rules, ledger, form, work))
            want_counties = reports[key]
            if counties != want_counties:
                die("form %s: counties doudi %s, SQL %s" % (form, want_counties, counties))
        for unit in [None] + counties:
            args = [doudi, "report", rules, "--db", ledger, "--form", form, "--format", "json"]
            if unit is not None:
                args += ["--county", unit]
            rep = json.loads(vm_report(reports, args))
            want = {}
            for ri, row in enumerate(rep["rows"]):
                for ci, v in enumerate(row["cells"]):
                    want[(ri, ci)] = v
            got = sheets.get(unit, {})
            if want != got:
                bad = [(k, want.get(k), got.get(k)) for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)]
                die("form %s, %s: cells (row, column): doudi vs SQL %s" % (form, unit or "city", bad[:10]))
            ncells += len(want)
    print("ok   forms: %s, %d cells (city and every county)" % (", ".join(sorted(forms)), ncells))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doudi", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--population", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--engine", required=True, help="sqlite, postgres, or both: sqlite,postgres")
    ap.add_argument("--as-of")
    ap.add_argument("--import-rules", help="the rules the population is imported with (default: --rules)")
    ap.add_argument("--pg-db", default="doudi_equal")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    ledger = os.path.join(a.work, "ledger.db")
    if os.path.exists(ledger):
        os.remove(ledger)
    files = [os.path.join(a.population, "persons.csv")]
    if os.path.exists(os.path.join(a.population, "institutions.csv")):
        files.append(os.path.join(a.population, "institutions.csv"))
    run([a.doudi, "import", "--db", ledger, "--rules", a.import_rules or a.rules] + files, ok=(0, 1))
    results = os.path.join(a.work, "results.csv")
    extra = ["--as-of", a.as_of] if a.as_of else []
    run([a.doudi, "run", a.rules, "--db", ledger, "--out", results] + extra, ok=(0, 1))
    db = sqlite3.connect(ledger)
    run_id = db.execute("SELECT max(id) FROM %s" % table_named(db, "runs")).fetchone()[0]
    db.close()
    reports = {}
    for engine in a.engine.split(","):
        print("-- %s" % engine)
        script = os.path.join(a.work, "plan-%s.sql" % engine)
        run([a.doudi, "sql", a.rules, "--dialect", engine, "-o", script] + extra)
        if engine == "sqlite":
            eng = SQLite(a.work, ledger, script)
        elif engine == "postgres":
            eng = Postgres(a.work, ledger, script, a.doudi, a.rules, a.pg_db)
        else:
            die("unknown engine %s" % engine, 2)
        check_results(eng, results)
        check_review(eng, ledger, run_id)
        tables = eng.tables()
        if "plan_capacity" in tables:
            check_capacity(eng, ledger, run_id)
        if "plan_forms" in tables:
            check_forms(eng, a.doudi, a.rules, ledger, a.work, reports)


if __name__ == "__main__":
    main()
