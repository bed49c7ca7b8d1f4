"""``cs229llm export hf RUN_DIR OUT_DIR``: a trained checkpoint as a Hugging Face ``transformers`` model folder.

The folder opens with ``AutoModelForCausalLM.from_pretrained(OUT_DIR)`` and
``AutoTokenizer.from_pretrained(OUT_DIR)``, and runs in lm-evaluation-harness as
``lm_eval --model hf --model_args pretrained=OUT_DIR`` (see :mod:`cs229llm.export_hf`).
"""
import json

from ..export_hf import export_hf
from ._options import finish

DETERMINISTIC = "unused: exporting draws nothing at random (accepted like every command)"


def configure(parser) -> None:
    formats = parser.add_subparsers(dest="format", metavar="FORMAT")
    hf = formats.add_parser("hf", help="Hugging Face transformers folder: config.json, model.safetensors, "
                                       "tokenizer (GPT-2 or Llama layout)")
    hf.add_argument("run_dir", metavar="RUN_DIR", help="a run directory (its latest checkpoint) or a checkpoint folder")
    hf.add_argument("out_dir", metavar="OUT_DIR", help="a new or empty folder to write the model into")
    hf.add_argument("--tokenizer", default=None,
                    help="the tokenizer.json the model was trained with (default: found beside the run by the "
                         "fingerprint its checkpoint records)")
    finish(hf, run_hf, seed_help=DETERMINISTIC)
    parser.set_defaults(func=lambda args: parser.print_help() or 0)


def run_hf(args) -> int:
    result = export_hf(args.run_dir, args.out_dir, args.tokenizer)
    print(f"wrote {result.architecture} ({result.parameters:,} parameters, step {result.step}) to {result.out_dir}")
    print("  tokenizer: one id per UTF-8 byte (a byte-level run)" if result.tokenizer == "bytes"
          else f"  tokenizer from {result.tokenizer}")
    print(f"  load it: AutoModelForCausalLM.from_pretrained({str(result.out_dir)!r})")
    print(f"  score it: lm_eval --model hf --model_args pretrained={result.out_dir} --tasks ...")
    print(json.dumps(result.to_dict()))
    return 0
