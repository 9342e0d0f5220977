"""A randomly initialised 2-layer BERT with its own word-piece vocabulary, saved like a hub model: a stand-in
encoder small enough to train in a test. `python -m tests.tiny_bert DIR` writes one."""

import sys
from pathlib import Path

WORDS = "the cat sat on a mat dog ran in park happy sad i am very you love this so it is not".split()


def save_tiny_bert(path: Path) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    path.mkdir(parents=True, exist_ok=True)
    vocab = path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]))
    BertTokenizer(vocab_file=str(vocab)).save_pretrained(path)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=5 + len(WORDS), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(path)
    return path


if __name__ == "__main__":
    print(save_tiny_bert(Path(sys.argv[1])))
