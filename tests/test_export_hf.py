"""``cs229llm export hf``: the exported folder is the same model in ``transformers`` and in the harness.

A tiny GPT is trained for a few steps, exported, and opened with ``AutoModelForCausalLM`` and
``AutoTokenizer``: token ids, logits (fp32, max abs difference <= 1e-4) and greedy generations must
equal the course model's. The other layouts (biases, untied head, ReLU; Llama with RMSNorm, SwiGLU,
RoPE; a byte-level run) are checked on perturbed random weights; a deliberately wrong conversion
shows the check can fail; ``lm_eval --model hf`` on the export gives the course adapter's accuracy.
"""

import json
import math
import os
import random
import shutil
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

from cs229llm import cli
from cs229llm.evaluation.generate import generate_ids
from cs229llm.evaluation.lm_eval_adapter import lm_eval_available, run_harness, write_cloze_task
from cs229llm.evaluation.multiple_choice import evaluate_multiple_choice
from cs229llm.evaluation.tasks import cloze_items
from cs229llm.experiments.small_runs import train_small_model
from cs229llm.export_hf import export_hf, hf_layout
from cs229llm.model import GPT, GPTConfig
from cs229llm.tokenization.train import train_tokenizer
from cs229llm.training.checkpoint import save_checkpoint

transformers = pytest.importorskip("transformers", reason="transformers is in the test extra: pip install -e '.[test]'")

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
TOLERANCE = 1e-4
TEXTS = ["the quick brown fox jumps over the lazy dog", "alpha beta gamma", "Ünïcödé text, digits 12345 and   spaces",
         "code: def f(x):\n    return x * 2\n", "a"]
WORDS = ("the cat dog bird sat ran flew on under over mat tree roof and then slept ate sang loudly softly "
         "red blue green small big old").split()


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))


def documents(n: int = 48, words: int = 60, seed: int = 0) -> pd.DataFrame:
    """Sentences of a tiny vocabulary with a little structure (a trained model beats chance on them)."""
    rng = random.Random(seed)
    rows = []
    for d in range(n):
        start = rng.randrange(len(WORDS))
        text = " ".join(WORDS[(start + 3 * i + rng.randrange(2)) % len(WORDS)] for i in range(words))
        rows.append({"id": f"d{d}", "domain": ("news", "books")[d % 2], "text": text})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A GPT-2-style course model trained for 30 steps, its tokenizer and its run directory."""
    folder = tmp_path_factory.mktemp("trained")
    docs = documents()
    tokenizer = train_tokenizer(docs["text"].tolist(), vocab_size=320)
    config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=64, n_layer=2, n_head=2, n_embd=32)
    run = train_small_model({"web": docs["text"].tolist()}, tokenizer, config, folder / "small", steps=30,
                            batch_size=8, lr=1e-2, warmup_steps=3, device="cpu")
    run.model.eval()
    return {"folder": folder, "run_dir": folder / "small" / "run", "model": run.model, "tokenizer": tokenizer,
            "docs": docs}


@pytest.fixture(scope="module")
def exported(trained):
    out = trained["folder"] / "hf"
    result = export_hf(trained["run_dir"], out)  # the tokenizer is found in ../shards by its fingerprint
    return {**trained, "out": out, "result": result}


def load_hf(folder):
    model, info = transformers.AutoModelForCausalLM.from_pretrained(folder, output_loading_info=True)
    assert not any(info.get(key) for key in ("missing_keys", "unexpected_keys", "mismatched_keys")), info
    model.eval()
    return model, transformers.AutoTokenizer.from_pretrained(folder)


def max_logit_difference(course_model, hf_model, sequences) -> float:
    worst = 0.0
    with torch.no_grad():
        for ids in sequences:
            x = torch.tensor([ids])
            ours, _ = course_model(x)
            theirs = hf_model(input_ids=x, attention_mask=torch.ones_like(x)).logits
            assert ours.shape == theirs.shape
            worst = max(worst, float((ours.float() - theirs.float()).abs().max()))
    return worst


def random_checkpoint(folder, config: GPTConfig, fingerprint: str | None, seed: int = 0) -> GPT:
    """A checkpoint of a GPT whose every weight (norm gains and biases too) is moved off its initial value."""
    torch.manual_seed(seed)
    model = GPT(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.2 * torch.randn_like(parameter))
    state = {"step": 7, "model_config": config.to_dict()}
    if fingerprint is not None:
        state["sampler"] = {"tokenizer_fingerprint": fingerprint}
    save_checkpoint(folder / "checkpoints", model, None, state)
    return model.eval()


# ---------------------------------------------------------------- the trained GPT-2


def test_transformers_gives_the_same_token_ids_and_logits(exported, capsys):
    model, tokenizer = exported["model"], exported["tokenizer"]
    hf_model, hf_tokenizer = load_hf(exported["out"])
    assert type(hf_model).__name__ == "GPT2LMHeadModel" == exported["result"].architecture
    assert hf_model.dtype == torch.float32
    assert hf_model.lm_head.weight.data_ptr() == hf_model.transformer.wte.weight.data_ptr()  # tied, as trained
    eot = tokenizer.eot_id
    assert (hf_tokenizer.bos_token_id, hf_tokenizer.eos_token_id, hf_tokenizer.pad_token_id) == (eot, eot, eot)
    sequences = []
    for text in TEXTS + exported["docs"]["text"].tolist()[:4]:
        ids = tokenizer.encode(text)
        assert hf_tokenizer(text, add_special_tokens=False)["input_ids"] == ids
        assert hf_tokenizer(text)["input_ids"] == [eot] + ids  # end-of-text first, as in training
        assert hf_tokenizer.decode(ids) == tokenizer.decode(ids) == text
        sequences.append(([eot] + ids)[:model.config.block_size])
    assert hf_tokenizer.decode([eot]) == "<|endoftext|>"
    difference = max_logit_difference(model, hf_model, sequences)
    with capsys.disabled():
        print(f"\n[export hf] trained GPT-2: max |logits difference| = {difference:.2e} over {len(sequences)} texts")
    assert difference <= TOLERANCE


def test_greedy_generate_gives_the_same_tokens_and_text(exported):
    model, tokenizer = exported["model"], exported["tokenizer"]
    hf_model, hf_tokenizer = load_hf(exported["out"])
    eot = tokenizer.eot_id
    for prompt in ("the cat", "red blue", "a big old"):
        ids = [eot] + tokenizer.encode(prompt)
        ours = generate_ids(model, torch.tensor([ids]), 24, temperature=0.0, stop_ids=[eot])[0, len(ids):].tolist()
        batch = hf_tokenizer(prompt, return_tensors="pt")
        assert batch["input_ids"][0].tolist() == ids
        theirs = hf_model.generate(**batch, max_new_tokens=24, do_sample=False)[0, len(ids):].tolist()
        cut = [seq[:seq.index(eot)] if eot in seq else seq for seq in (ours, theirs)]
        assert cut[0] == cut[1], prompt
        assert len(cut[0]) > 0
        assert hf_tokenizer.decode(cut[1], skip_special_tokens=True) == tokenizer.decode(cut[0])


def test_the_export_holds_the_files_transformers_reads(exported):
    files = sorted(path.name for path in exported["out"].iterdir())
    assert files == sorted(["README.md", "config.json", "generation_config.json", "model.safetensors",
                            "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"])
    config = json.loads((exported["out"] / "config.json").read_text())
    assert config["activation_function"] == "gelu_pytorch_tanh"  # F.gelu(approximate="tanh"), not erf, not gelu_new
    assert config["layer_norm_epsilon"] == 1e-5 and config["tie_word_embeddings"] is True
    assert "lm_head.weight" not in load_file(str(exported["out"] / "model.safetensors"))  # tied: stored once
    tokenizer_config = json.loads((exported["out"] / "tokenizer_config.json").read_text())
    assert tokenizer_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    fast = transformers.PreTrainedTokenizerFast.from_pretrained(exported["out"])
    assert fast.eos_token == "<|endoftext|>" and fast("alpha")["input_ids"][0] == exported["tokenizer"].eot_id


@pytest.mark.parametrize("mistake", ["transposed attention projection", "q and k swapped", "exact GELU"])
def test_a_wrong_conversion_is_caught(exported, tmp_path, mistake):
    """The equality check has teeth: each convention done wrong moves the logits far past the tolerance."""
    broken = tmp_path / "broken"
    shutil.copytree(exported["out"], broken)
    weights = load_file(str(broken / "model.safetensors"))
    width = exported["model"].config.n_embd
    if mistake == "transposed attention projection":  # square, so it loads: only the numbers tell
        name = "transformer.h.0.attn.c_proj.weight"
        weights[name] = weights[name].t().contiguous()
    elif mistake == "q and k swapped":
        for layer in range(exported["model"].config.n_layer):
            name = f"transformer.h.{layer}.attn.c_attn.weight"
            q, k, v = weights[name].split(width, dim=1)
            weights[name] = torch.cat([k, q, v], dim=1).contiguous()
    else:
        config = json.loads((broken / "config.json").read_text())
        config["activation_function"] = "gelu"  # erf GELU instead of the tanh approximation trained with
        (broken / "config.json").write_text(json.dumps(config))
    save_file(weights, str(broken / "model.safetensors"), metadata={"format": "pt"})
    hf_model, _ = load_hf(broken)
    tokenizer = exported["tokenizer"]
    sequences = [[tokenizer.eot_id] + tokenizer.encode(text) for text in exported["docs"]["text"].tolist()[:4]]
    sequences = [ids[:exported["model"].config.block_size] for ids in sequences]
    difference = max_logit_difference(exported["model"], hf_model, sequences)
    # erf vs tanh GELU is a small error (measured ~4e-4 here), yet already past the tolerance; the others are gross
    floor = 2 * TOLERANCE if mistake == "exact GELU" else 0.1
    assert difference > floor, (mistake, difference)


# ---------------------------------------------------------------- the other layouts


LAYOUTS = {
    "gpt2 bias, untied, relu": dict(bias=True, tie_weights=False, activation="relu"),
    "llama": dict(norm="rmsnorm", activation="swiglu", position="rope"),
    "llama bias, untied": dict(norm="rmsnorm", activation="swiglu", position="rope", bias=True, tie_weights=False),
}


@pytest.fixture(scope="module")
def small_tokenizer():
    return train_tokenizer(documents(n=12)["text"].tolist() + TEXTS, vocab_size=300)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_layout_gives_the_same_logits(small_tokenizer, tmp_path, name):
    config = GPTConfig(vocab_size=small_tokenizer.vocab_size + 4, block_size=48, n_layer=2, n_head=4, n_embd=32,
                       **LAYOUTS[name])
    run = tmp_path / "run"
    model = random_checkpoint(run, config, small_tokenizer.fingerprint)
    small_tokenizer.save(run)  # found in the run directory by its fingerprint
    result = export_hf(run, tmp_path / "hf")
    hf_model, hf_tokenizer = load_hf(tmp_path / "hf")
    expected = "GPT2LMHeadModel" if hf_layout(config) == "gpt2" else "LlamaForCausalLM"
    assert type(hf_model).__name__ == expected == result.architecture
    tied = hf_model.get_output_embeddings().weight.data_ptr() == hf_model.get_input_embeddings().weight.data_ptr()
    assert tied == config.tie_weights
    sequences = [hf_tokenizer(text)["input_ids"][:config.block_size] for text in TEXTS]
    assert sequences[0] == [small_tokenizer.eot_id] + small_tokenizer.encode(TEXTS[0])
    assert max_logit_difference(model, hf_model, sequences) <= TOLERANCE


@pytest.mark.parametrize("layout", ["run directory", "notebook 07 tokens/", "cs229llm run OUT/", "course token folder"])
def test_the_tokenizer_is_found_where_the_course_keeps_it(small_tokenizer, tmp_path, monkeypatch, layout):
    monkeypatch.setenv("CS229LLM_RUNS", str(tmp_path / "runs"))
    run = tmp_path / "out" / "runs" / "anneal_hq" if layout == "cs229llm run OUT/" else tmp_path / "run"
    config = GPTConfig(vocab_size=small_tokenizer.vocab_size, block_size=16, n_layer=1, n_head=2, n_embd=16)
    random_checkpoint(run, config, small_tokenizer.fingerprint)
    where = {"run directory": run, "notebook 07 tokens/": run / "tokens", "cs229llm run OUT/": tmp_path / "out",
             "course token folder": tmp_path / "runs" / "tokens" / "ci-v300"}[layout]
    train_tokenizer(TEXTS, vocab_size=280).save(tmp_path / "runs" / "tokens" / "ci-v280")  # another: passed over
    small_tokenizer.save(where)
    result = export_hf(run, tmp_path / "hf")
    assert result.tokenizer == str((where / "tokenizer.json").resolve())


def test_a_byte_level_run_exports_with_a_byte_tokenizer(tmp_path):
    config = GPTConfig(vocab_size=257, block_size=96, n_layer=1, n_head=2, n_embd=16)
    model = random_checkpoint(tmp_path / "run", config, fingerprint=None)  # `--data bytes` records none
    result = export_hf(tmp_path / "run", tmp_path / "hf")
    assert result.tokenizer == "bytes"
    hf_model, hf_tokenizer = load_hf(tmp_path / "hf")
    sequences = []
    for text in TEXTS + ["\x00\x7f bytes é 漢字 🙂"]:
        ids = hf_tokenizer(text)["input_ids"]
        assert ids == [256] + list(text.encode("utf-8"))
        assert hf_tokenizer.decode(ids[1:]) == text
        sequences.append(ids[:config.block_size])
    assert max_logit_difference(model, hf_model, sequences) <= TOLERANCE


# ---------------------------------------------------------------- the command


def run_cli(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_writes_the_same_folder(exported, capsys, tmp_path):
    out = tmp_path / "via-cli"
    code, stdout, err = run_cli(["export", "hf", exported["run_dir"], out], capsys)
    assert code == 0, err
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["architecture"] == "GPT2LMHeadModel" and summary["step"] == 30
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"):
        assert (out / name).read_bytes() == (exported["out"] / name).read_bytes(), name
    checkpoint = max((exported["run_dir"] / "checkpoints").iterdir())
    code, _, err = run_cli(["export", "hf", checkpoint, tmp_path / "from-checkpoint", "--tokenizer",
                            exported["run_dir"].parent / "shards" / "tokenizer.json"], capsys)
    assert code == 0, err
    assert (tmp_path / "from-checkpoint" / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]  # no build folder left behind


def test_bad_inputs_are_refused_in_one_line(exported, small_tokenizer, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CS229LLM_RUNS", str(tmp_path / "runs"))  # no course token folders to find a tokenizer in
    run_dir = exported["run_dir"]
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "empty-run").mkdir()
    mixed = tmp_path / "mixed"
    random_checkpoint(mixed, GPTConfig(vocab_size=300, block_size=16, n_layer=1, n_head=2, n_embd=16,
                                       position="rope"), small_tokenizer.fingerprint)
    lonely = tmp_path / "lonely"
    random_checkpoint(lonely, GPTConfig(vocab_size=300, block_size=16, n_layer=1, n_head=2, n_embd=16), "0" * 16)
    other_tokenizer = small_tokenizer.save(tmp_path / "other")
    cases = [
        (["export", "hf", tmp_path / "missing", tmp_path / "o1"], "no such folder"),
        (["export", "hf", tmp_path / "empty-run", tmp_path / "o2"], "no checkpoint found"),
        (["export", "hf", run_dir, tmp_path / "full"], "already holds files"),
        (["export", "hf", run_dir, tmp_path / "a-file"], "is a file"),
        (["export", "hf", mixed, tmp_path / "o3"], "Llama has no norm=layernorm"),
        (["export", "hf", lonely, tmp_path / "o4"], "pass --tokenizer"),
        (["export", "hf", run_dir, tmp_path / "o5", "--tokenizer", other_tokenizer], "is not the one the model"),
        (["export", "hf", run_dir, tmp_path / "o6", "--tokenizer", tmp_path / "nowhere.json"], "no tokenizer at"),
        (["export", "hf", run_dir, tmp_path / "o7", "--tokenizer", ""], "--tokenizer is empty"),
    ]
    for argv, message in cases:
        code, _, err = run_cli(argv, capsys)
        assert code == 2, (argv, err)
        assert err.startswith("cs229llm export hf: error: ") and err.count("\n") == 1, err
        assert message in err, (message, err)
        assert "Traceback" not in err
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    assert not any((tmp_path / f"o{i}").exists() for i in range(1, 8))
    assert "GPT-2 has no position=rope" in run_cli(cases[4][0], capsys)[2]


def test_the_console_command_exits_2_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cs229llm", "export", "hf", str(tmp_path / "missing"),
                             str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no such folder" in result.stderr, result.stderr


# ---------------------------------------------------------------- the standard harness


HARNESS_SCRIPT = textwrap.dedent("""
    import json, sys
    import lm_eval
    from lm_eval.tasks import TaskManager

    folder, include, task = sys.argv[1:4]
    output = lm_eval.simple_evaluate(
        model="hf", model_args=f"pretrained={folder},dtype=float32", tasks=[task], device="cpu", batch_size=8,
        task_manager=TaskManager(include_path=include, include_defaults=False), bootstrap_iters=0,
        random_seed=0, numpy_random_seed=0, torch_random_seed=0, fewshot_random_seed=0, log_samples=False)
    print("RESULT " + json.dumps(output["results"][task]))
""")


@pytest.mark.slow
def test_lm_eval_hf_on_the_export_gives_the_adapters_accuracy(exported, tmp_path, capsys):
    available, detail = lm_eval_available()
    if not available:
        pytest.skip(detail)
    pytest.importorskip("accelerate", reason="lm_eval's hf model needs accelerate (in the test extra)")
    model, tokenizer = exported["model"], exported["tokenizer"]
    items = cloze_items(documents(n=24, seed=1), n_per_domain=12, n_choices=4, context_words=10, answer_words=2,
                        seed=0)
    folder = write_cloze_task(items, tmp_path / "task", name="export_cloze")
    ours, _ = evaluate_multiple_choice(model, tokenizer, items)
    adapter = run_harness(model, tokenizer, ["export_cloze"], include_path=folder)["export_cloze"]
    # the standard harness, in a fresh process that starts offline (the hub and datasets read these at import)
    env = {**os.environ, **OFFLINE, "HF_HOME": str(tmp_path / "hf-home"), "TQDM_DISABLE": "1"}
    result = subprocess.run([sys.executable, "-c", HARNESS_SCRIPT, str(exported["out"]), str(folder), "export_cloze"],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    standard = json.loads(line[len("RESULT "):])
    with capsys.disabled():
        print(f"\n[export hf] {len(items)} cloze items: lm_eval --model hf acc {standard['acc,none']:.4f} "
              f"acc_norm {standard['acc_norm,none']:.4f}; course adapter acc {adapter['acc,none']:.4f} "
              f"acc_norm {adapter['acc_norm,none']:.4f}; course scorer acc {ours['acc']:.4f}")
    for metric in ("acc,none", "acc_norm,none"):
        assert math.isclose(standard[metric], adapter[metric]), (metric, standard, adapter)
    assert math.isclose(adapter["acc,none"], ours["acc"])
    assert len(items) >= 20
