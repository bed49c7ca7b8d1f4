"""Code snippets for the code domain, built from small statement templates.

Snippets are Python, JavaScript, SQL or shell, assembled from names and statement shapes
so that each one is different but looks like something a tutorial would show. They give
the code domain its strongest signal: operators, indentation, keywords.
"""

from __future__ import annotations

import random

VERBS = ["load", "parse", "fetch", "build", "validate", "merge", "count", "normalize", "render",
         "split", "filter", "group", "retry", "flush", "encode", "decode", "resolve", "collect"]
NOUNS = ["user", "config", "record", "item", "event", "order", "token", "line", "row", "file",
         "request", "message", "batch", "entry", "node", "path", "score", "label"]
TABLES = ["users", "orders", "events", "products", "sessions", "invoices", "comments", "logs"]
COLUMNS = ["id", "name", "created_at", "status", "email", "total", "user_id", "price", "country", "score"]
COMMANDS = ["git status", "git log --oneline -5", "python -m venv .venv", "pip install -e .",
            "pytest -q -x", "make build", "docker compose up -d", "npm install", "npm run test",
            "ls -la", "grep -rn TODO src/", "cargo build --release", "go test ./..."]


def _name(rng: random.Random, style: str = "snake") -> str:
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    if style == "camel":
        return verb + noun.capitalize() + rng.choice(["", "s", "ById", "List"])
    return f"{verb}_{noun}{rng.choice(['', 's', '_by_id', '_list'])}"


def _python(rng: random.Random) -> str:
    func, noun = _name(rng), rng.choice(NOUNS)
    arg = rng.choice([f"{noun}s", "items", "values", "rows"])
    limit = rng.randint(2, 100)
    body_options = [
        ["result = []", f"for {noun} in {arg}:",
         f"    if {noun}.{rng.choice(COLUMNS)} is None:", "        continue",
         f"    result.append({noun})", "return result"],
        ["counts = {}", f"for {noun} in {arg}:",
         f"    key = {noun}.{rng.choice(COLUMNS)}", "    counts[key] = counts.get(key, 0) + 1",
         "return counts"],
        [f"if not {arg}:", f"    raise ValueError(\"no {noun}s given\")",
         f"return sorted({arg}, key=lambda {noun}: {noun}.{rng.choice(COLUMNS)})[:{limit}]"],
        ["with open(path, encoding=\"utf-8\") as handle:",
         "    lines = [line.strip() for line in handle if line.strip()]",
         f"return [line.split(\",\")[{rng.randint(0, 3)}] for line in lines]"],
        [f"for attempt in range({rng.randint(2, 5)}):", "    try:",
         f"        return client.get(url, timeout={rng.randint(1, 30)})", "    except TimeoutError:",
         "        time.sleep(2 ** attempt)", "raise RuntimeError(\"gave up after retries\")"],
    ]
    body = rng.choice(body_options)
    params = "path" if "open(path" in body[0] else ("url, client" if "client" in "".join(body) else arg)
    lines = [f"def {func}({params}):", f"    \"\"\"{func.replace('_', ' ').capitalize()}.\"\"\""]
    lines += ["    " + line for line in body]
    if rng.random() < 0.5:
        lines += ["", "", f"print({func}({rng.choice(['[]', 'data', 'sample'])}))"]
    return "\n".join(lines)


def _javascript(rng: random.Random) -> str:
    func, noun = _name(rng, "camel"), rng.choice(NOUNS)
    field = rng.choice(COLUMNS)
    shapes = [
        [f"async function {func}(id) {{", f"  const response = await fetch(`/api/{noun}s/${{id}}`);",
         "  if (!response.ok) {", "    throw new Error(`request failed: ${response.status}`);", "  }",
         "  return response.json();", "}"],
        [f"const {func} = ({noun}s) =>", f"  {noun}s", f"    .filter(({noun}) => {noun}.{field} !== undefined)",
         f"    .map(({noun}) => ({{ ...{noun}, {field}: String({noun}.{field}) }}));"],
        [f"document.querySelector('#{noun}-form').addEventListener('submit', (event) => {{",
         "  event.preventDefault();", f"  const value = event.target.{field}.value.trim();",
         f"  if (value.length < {rng.randint(2, 9)}) return;", f"  {func}(value);", "});"],
    ]
    return "\n".join(rng.choice(shapes))


def _sql(rng: random.Random) -> str:
    table = rng.choice(TABLES)
    first, second = rng.sample(COLUMNS, 2)
    shapes = [
        f"SELECT {first}, COUNT(*) AS n\nFROM {table}\nWHERE {second} IS NOT NULL\nGROUP BY {first}\n"
        f"ORDER BY n DESC\nLIMIT {rng.randint(5, 50)};",
        f"CREATE INDEX idx_{table}_{first} ON {table} ({first});",
        f"UPDATE {table}\nSET {first} = '{rng.choice(['active', 'archived', 'pending'])}'\n"
        f"WHERE {second} < {rng.randint(10, 999)};",
        f"SELECT a.{first}, b.{second}\nFROM {table} a\nJOIN {rng.choice(TABLES)} b ON b.{first} = a.id;",
    ]
    return rng.choice(shapes)


def _shell(rng: random.Random) -> str:
    return "\n".join("$ " + command for command in rng.sample(COMMANDS, rng.randint(1, 3)))


def code_snippet(rng: random.Random, language: str | None = None) -> tuple[str, str]:
    """A random snippet: returns ``(language, code)`` with language one of python/javascript/sql/shell."""
    makers = {"python": _python, "javascript": _javascript, "sql": _sql, "shell": _shell}
    language = language or rng.choice(["python", "python", "python", "javascript", "sql", "shell"])
    return language, makers[language](rng)
