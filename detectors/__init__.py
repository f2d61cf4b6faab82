"""The camera side: frame sources, the YOLO model, zone logic, annotation, publishing, workers."""
