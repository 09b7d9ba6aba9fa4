"""python -m vadprep export-onnx RUN FILE [--streaming]"""
import argparse
import sys

from .dataset import DatasetError
from .model import ModelError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vadprep", description="vadprep from Python.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export-onnx", help="Write a trained model as ONNX.",
                                 description="Write a trained model (a run directory or its model.safetensors) as "
                                             "ONNX: features [batch, frames, D] in, speech probabilities "
                                             "[batch, frames] out.")
    export.add_argument("run", help="run directory of vadprep train, or a model .safetensors file")
    export.add_argument("file", help="ONNX file to write")
    export.add_argument("--streaming", action="store_true",
                        help="the streaming form (causal models): LSTM states h and c in and out")
    arguments = parser.parse_args(argv)
    from .onnx_export import export_onnx
    try:
        export_onnx(arguments.run, arguments.file, streaming=arguments.streaming)
    except (ModelError, DatasetError, ValueError, OSError) as error:
        print(f"python -m vadprep {arguments.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
