// Every stage checks options with the same messages; users of the pipeline get them with it.
@_exported import VADOptions
