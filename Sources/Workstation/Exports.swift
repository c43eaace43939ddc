// The workstation is built on Rendering (frames to display images, series catalogues, stacks
// and volumes); anything that imports Workstation sees those types too.
@_exported import Rendering
