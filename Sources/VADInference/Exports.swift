// The predictor hands out the model it runs (`ModelFile.Loaded`, `Network`).
@_exported import VADNetwork
