enum StatusPage { static let html = "" }
