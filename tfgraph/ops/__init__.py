"""Every op of tfgraph: its type rule and its TensorFlow lowering, side by side."""
