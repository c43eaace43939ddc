extension WindowPresets {
    /// The built-in window presets, as data. Values are the common teaching/clinical settings
    /// (e.g. Radiopaedia "Windowing (CT)"; Hoeffner et al., Radiology 2004 for narrow stroke
    /// windows). Center/width are in Hounsfield units for CT.
    public static let builtInTOML = """
    # Sixray built-in window presets. Override or extend in ~/.config/sixray/windows.toml
    # using the same format; a preset with the same id replaces the built-in one.

    [[preset]]
    id = "ct-brain"
    name = "Brain"
    modality = "CT"
    key = "1"
    center = 40
    width = 80
    description = "Brain parenchyma: grey/white matter, CSF"

    [[preset]]
    id = "ct-subdural"
    name = "Subdural"
    modality = "CT"
    key = "2"
    center = 75
    width = 215
    description = "Extra-axial blood against the skull (typical ranges: L 50-100, W 130-300)"

    [[preset]]
    id = "ct-stroke"
    name = "Stroke"
    modality = "CT"
    key = "3"
    center = 40
    width = 40
    description = "Early ischaemia, grey/white differentiation (narrower variant: L 32, W 8)"

    [[preset]]
    id = "ct-bone"
    name = "Bone"
    modality = "CT"
    key = "4"
    center = 400
    width = 1800
    description = "Cortical and trabecular bone"

    [[preset]]
    id = "ct-lung"
    name = "Lung"
    modality = "CT"
    key = "5"
    center = -600
    width = 1500
    description = "Lung parenchyma, airways"

    [[preset]]
    id = "ct-mediastinum"
    name = "Mediastinum"
    modality = "CT"
    key = "6"
    center = 50
    width = 350
    description = "Mediastinal soft tissue, vessels"

    [[preset]]
    id = "ct-abdomen"
    name = "Abdomen"
    modality = "CT"
    key = "7"
    center = 40
    width = 400
    description = "Abdominal soft tissue"

    [[preset]]
    id = "ct-liver"
    name = "Liver"
    modality = "CT"
    key = "8"
    center = 60
    width = 160
    description = "Liver lesions (narrow soft-tissue window)"

    [[preset]]
    id = "mr-auto"
    name = "MR auto"
    modality = "MR"
    key = "1"
    auto = "percentile"
    low_percentile = 0.5
    high_percentile = 99.5
    description = "From the frame's histogram: 0.5th to 99.5th percentile"
    """
}
