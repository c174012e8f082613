using Bangumoe.OAuth;

namespace Bangumoe.UnitTests.OAuth;

/// <summary>User codes of the device grant (RFC 8628 §6.1): 8 letters without vowels, read as a person types them.</summary>
public sealed class UserCodeTests
{
    [Theory]
    [InlineData("BCDFGHJK", "BCDFGHJK")]
    [InlineData("BCDF-GHJK", "BCDFGHJK")]
    [InlineData("bcdf-ghjk", "BCDFGHJK")]
    [InlineData(" bcdf ghjk ", "BCDFGHJK")]
    [InlineData("B-C-D-F-G-H-J-K", "BCDFGHJK")]
    [InlineData("bcdf\tghjk\n", "BCDFGHJK")]
    [InlineData("zzzz-zzzz", "ZZZZZZZZ")]
    public void Case_dashes_and_white_space_do_not_matter(string typed, string code) => Assert.Equal(code, UserCodes.Normalize(typed));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("BCDF-GHJ")] // 7 letters
    [InlineData("BCDF-GHJKL")] // 9 letters
    [InlineData("ABCD-FGHJ")] // a vowel: never in a code
    [InlineData("BCDF-GHJ0")] // a digit
    [InlineData("BCDF_GHJK")]
    [InlineData("ＢCDF-GHJK")] // a full-width letter is not the letter
    public void Anything_else_is_not_a_code(string? typed) => Assert.Null(UserCodes.Normalize(typed));

    [Fact]
    public void Too_long_input_is_refused_before_it_is_read() =>
        Assert.Null(UserCodes.Normalize("BCDFGHJK" + new string(' ', 100)));

    [Fact]
    public void New_codes_use_the_alphabet_only_and_show_as_two_groups_of_four()
    {
        var codes = Enumerable.Range(0, 200).Select(_ => UserCodes.New()).ToList();
        Assert.All(codes, c => Assert.Matches("^[BCDFGHJKLMNPQRSTVWXZ]{8}$", c));
        Assert.All(codes, c => Assert.Equal(c, UserCodes.Normalize(UserCodes.Display(c))));
        Assert.Equal("BCDF-GHJK", UserCodes.Display("BCDFGHJK"));
        // 200 draws of 20^8 codes: a repeat would mean the generator is broken, not unlucky.
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        // Every letter of the alphabet turns up (the odds of one missing in 1600 draws are below 10^-33).
        Assert.Equal(UserCodes.Alphabet.Order(), string.Concat(codes).Distinct().Order());
    }
}
