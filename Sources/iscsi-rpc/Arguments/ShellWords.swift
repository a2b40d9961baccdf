/// Python's `shlex.split(line)` (POSIX mode, no comments), used to split stdin command lines.
enum ShellWords {
    /// A quote left open, reported like Python's `ValueError: No closing quotation`.
    struct UnterminatedQuote: Error {}

    static func split(_ line: String) throws(UnterminatedQuote) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord {
                    words.append(word)
                    word = ""
                    inWord = false
                }
            case "\\":
                inWord = true
                guard let escaped = characters.next() else { throw UnterminatedQuote() }
                word.append(escaped)
            case "'":
                inWord = true
                var closed = false
                while let next = characters.next() {
                    if next == "'" {
                        closed = true
                        break
                    }
                    word.append(next)
                }
                guard closed else { throw UnterminatedQuote() }
            case "\"":
                inWord = true
                var closed = false
                while let next = characters.next() {
                    if next == "\"" {
                        closed = true
                        break
                    }
                    if next == "\\" {
                        guard let escaped = characters.next() else { throw UnterminatedQuote() }
                        if escaped != "\"" && escaped != "\\" {
                            word.append("\\")
                        }
                        word.append(escaped)
                    } else {
                        word.append(next)
                    }
                }
                guard closed else { throw UnterminatedQuote() }
            default:
                inWord = true
                word.append(character)
            }
        }
        if inWord {
            words.append(word)
        }
        return words
    }
}
