// Training is of the network: whoever trains uses its types too.
@_exported import VADNetwork
